// Expand/contract (migration 0015) on PostgreSQL: a node of the previous release reads and writes
// only the OIDC columns of login_transactions. Forms rendered by either release complete on the other.
#include <gtest/gtest.h>

#include "oidc/authorize/authorization_request.hpp"
#include "storage/postgres/test_backends.hpp"

namespace gatehouse::storage::postgres::test {
namespace {

constexpr Query kOldNodeInsert{"old_node_insert_login_transaction", R"sql(
INSERT INTO login_transactions (id, csrf_hash, client_id, redirect_uri, response_type, response_mode, scope, state, nonce,
  code_challenge, code_challenge_method, prompt, login_hint, max_age, created_at, expires_at)
VALUES ('old', '\x0001', 'web', 'https://app.example.com/cb', 'code', 'query', 'openid', 'st&=1', 'n1', 'E9Mel', 'S256',
  'consent login', 'ada', 600, 1000, 2000))sql"};
constexpr Query kOldNodeSelect{"old_node_find_login_transaction", R"sql(
SELECT client_id, redirect_uri, response_type, response_mode, scope, state, nonce, code_challenge, code_challenge_method,
  prompt, login_hint, max_age FROM login_transactions WHERE id = $1)sql"};

TEST(PostgresSignInStores, ARowAnOldNodeWroteReadsAsAnOidcTransaction) {
  auto open = open_backend();
  raw_connection(open->schema)->execute(kOldNodeInsert);
  auto found = open->backend->login_transactions().find("old", 1500);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->continuation.kind, signin::kOidcKind);
  EXPECT_EQ(found->service, "web");
  EXPECT_EQ(found->login_hint, "ada");
  EXPECT_EQ(found->max_age, 600);
  EXPECT_TRUE(found->fresh) << "prompt=login";
  auto request = oidc::decode_request(found->continuation.payload);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->client_id, "web");
  EXPECT_EQ(request->redirect_uri, "https://app.example.com/cb");
  EXPECT_EQ(request->scope, "openid");
  EXPECT_EQ(request->state, "st&=1");
  EXPECT_EQ(request->nonce, "n1");
  EXPECT_EQ(request->code_challenge, "E9Mel");
  EXPECT_EQ(request->code_challenge_method, "S256");
  EXPECT_EQ(request->prompt, "consent login");
  EXPECT_TRUE(open->backend->login_transactions().consume("old"));
}

TEST(PostgresSignInStores, AnOidcTransactionStillFillsTheColumnsAnOldNodeReads) {
  auto open = open_backend();
  oidc::AuthorizationRequest request{"web", "https://app.example.com/cb", "code", "query", "openid profile",
                                     std::string("s\0t", 3), "n1", "E9Mel", "S256", "login", "ada", 60, "urn:acr"};
  signin::SignInTransaction tx;
  tx.id = "new";
  tx.csrf_hash = "h";
  tx.continuation = {std::string(signin::kOidcKind), oidc::encode_request(request)};
  tx.service = "web";
  tx.login_hint = "ada";
  tx.max_age = 60;
  tx.expires_at = 2000;
  open->backend->login_transactions().insert(tx);
  const auto result = raw_connection(open->schema)->execute(kOldNodeSelect, Params().text("new"));
  ASSERT_FALSE(result.empty());
  const auto row = result.row(0);
  EXPECT_EQ(row.text(0), "web");
  EXPECT_EQ(row.text(1), "https://app.example.com/cb");
  EXPECT_EQ(row.text(2), "code");
  EXPECT_EQ(row.text(3), "query");
  EXPECT_EQ(row.text(4), "openid profile");
  EXPECT_EQ(row.text(5), request.state) << "bytea: zero bytes kept";
  EXPECT_EQ(row.text(6), "n1");
  EXPECT_EQ(row.text(7), "E9Mel");
  EXPECT_EQ(row.text(8), "S256");
  EXPECT_EQ(row.text(9), "login");
  EXPECT_EQ(row.text(10), "ada");
  EXPECT_EQ(row.optional_int8(11), 60);
}

}  // namespace
}  // namespace gatehouse::storage::postgres::test
