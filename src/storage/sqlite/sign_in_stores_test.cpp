// Sign-in state contracts on SQLite (":memory:" and a file): login transactions, SSO sessions,
// authorization codes.
#include "session/testing/sso_session_store_contract.hpp"
#include "signin/testing/transaction_store_contract.hpp"
#include "token/testing/code_store_contract.hpp"

#include "oidc/authorize/authorization_request.hpp"
#include "storage/sqlite/connection.hpp"
#include "storage/sqlite/test_backends.hpp"

namespace gatehouse::storage::sqlite::test {
namespace {

using signin::TransactionStore;
using session::SsoSessionStore;
using signin::testing::TransactionStoreContract;
using session::testing::SsoSessionStoreContract;
using token::CodeStore;
using token::testing::CodeStoreContract;

INSTANTIATE_TEST_SUITE_P(
    Sqlite, TransactionStoreContract,
    ::testing::Values(
        signin::testing::TransactionStoreBackend{
            "Memory", [] { return store_of<TransactionStore, &SqliteBackend::login_transactions>(open_memory_backend()); }},
        signin::testing::TransactionStoreBackend{
            "File", [] { return store_of<TransactionStore, &SqliteBackend::login_transactions>(open_file_backend()); }}),
    signin::testing::transaction_backend_name);

INSTANTIATE_TEST_SUITE_P(
    Sqlite, SsoSessionStoreContract,
    ::testing::Values(
        session::testing::SsoSessionStoreBackend{
            "Memory", [] { return store_of<SsoSessionStore, &SqliteBackend::sso_sessions>(open_memory_backend()); }},
        session::testing::SsoSessionStoreBackend{
            "File", [] { return store_of<SsoSessionStore, &SqliteBackend::sso_sessions>(open_file_backend()); }}),
    session::testing::sso_session_backend_name);

INSTANTIATE_TEST_SUITE_P(
    Sqlite, CodeStoreContract,
    ::testing::Values(
        token::testing::CodeStoreBackend{"Memory", [] { return store_of<CodeStore, &SqliteBackend::codes>(open_memory_backend()); }},
        token::testing::CodeStoreBackend{"File", [] { return store_of<CodeStore, &SqliteBackend::codes>(open_file_backend()); }}),
    token::testing::code_backend_name);

// Expand/contract (migration 0015): what a node of the previous release writes and reads.
constexpr Query kOldNodeInsert{"old_node_insert_login_transaction", R"sql(
INSERT INTO login_transactions (id, csrf_hash, client_id, redirect_uri, response_type, response_mode, scope, state, nonce,
  code_challenge, code_challenge_method, prompt, login_hint, max_age, created_at, expires_at)
VALUES ('old', x'0001', 'web', 'https://app.example.com/cb', 'code', 'query', 'openid', 'st&=1', 'n1', 'E9Mel', 'S256',
  'consent login', 'ada', 600, 1000, 2000))sql"};
constexpr Query kOldNodeSelect{"old_node_find_login_transaction", R"sql(
SELECT client_id, redirect_uri, response_type, response_mode, scope, state, nonce, code_challenge, code_challenge_method,
  prompt, login_hint, max_age FROM login_transactions WHERE id = ?1)sql"};

TEST(SqliteSignInStores, ARowAnOldNodeWroteReadsAsAnOidcTransaction) {
  TempDir dir;
  const auto path = (dir.path() / "gatehouse.db").string();
  SqliteBackend backend(SqliteOptions{.path = path});
  backend.migrate();
  Connection old_node(ConnectionSpec{.target = path, .label = path});
  Statement(old_node, kOldNodeInsert).run();
  auto found = backend.login_transactions().find("old", 1500);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->continuation.kind, signin::kOidcKind);
  EXPECT_EQ(found->service, "web");
  EXPECT_EQ(found->login_hint, "ada");
  EXPECT_EQ(found->max_age, 600);
  EXPECT_TRUE(found->fresh) << "prompt=login";
  EXPECT_EQ(found->csrf_hash, std::string("\x00\x01", 2));
  auto request = oidc::decode_request(found->continuation.payload);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->client_id, "web");
  EXPECT_EQ(request->redirect_uri, "https://app.example.com/cb");
  EXPECT_EQ(request->response_type, "code");
  EXPECT_EQ(request->response_mode, "query");
  EXPECT_EQ(request->scope, "openid");
  EXPECT_EQ(request->state, "st&=1");
  EXPECT_EQ(request->nonce, "n1");
  EXPECT_EQ(request->code_challenge, "E9Mel");
  EXPECT_EQ(request->code_challenge_method, "S256");
  EXPECT_EQ(request->prompt, "consent login");
  EXPECT_TRUE(backend.login_transactions().consume("old"));
}

TEST(SqliteSignInStores, AnOidcTransactionStillFillsTheColumnsAnOldNodeReads) {
  TempDir dir;
  const auto path = (dir.path() / "gatehouse.db").string();
  SqliteBackend backend(SqliteOptions{.path = path});
  backend.migrate();
  oidc::AuthorizationRequest request{"web", "https://app.example.com/cb", "code", "query", "openid profile",
                                     "st&ate=1 %", "n1", "E9Mel", "S256", "login", "ada", 60, "urn:acr"};
  signin::SignInTransaction tx;
  tx.id = "new";
  tx.csrf_hash = "h";
  tx.continuation = {std::string(signin::kOidcKind), oidc::encode_request(request)};
  tx.service = "web";
  tx.login_hint = "ada";
  tx.max_age = 60;
  tx.expires_at = 2000;
  backend.login_transactions().insert(tx);
  Connection old_node(ConnectionSpec{.target = path, .label = path});
  Statement s(old_node, kOldNodeSelect);
  s.bind_text(1, "new");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(0), "web");
  EXPECT_EQ(s.text(1), "https://app.example.com/cb");
  EXPECT_EQ(s.text(2), "code");
  EXPECT_EQ(s.text(3), "query");
  EXPECT_EQ(s.text(4), "openid profile");
  EXPECT_EQ(s.text(5), request.state);
  EXPECT_EQ(s.text(6), "n1");
  EXPECT_EQ(s.text(7), "E9Mel");
  EXPECT_EQ(s.text(8), "S256");
  EXPECT_EQ(s.text(9), "login");
  EXPECT_EQ(s.text(10), "ada");
  EXPECT_EQ(s.int64(11), 60);
}

}  // namespace
}  // namespace gatehouse::storage::sqlite::test
