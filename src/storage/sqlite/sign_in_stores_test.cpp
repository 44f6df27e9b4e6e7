// Sign-in state contracts on SQLite (":memory:" and a file): login transactions, SSO sessions,
// authorization codes, and the unit of work that completing a sign-in writes them in.
#include "session/testing/sso_session_store_contract.hpp"
#include "signin/testing/transaction_store_contract.hpp"
#include "token/testing/code_store_contract.hpp"

#include "storage/sqlite/connection.hpp"
#include "storage/sqlite/test_backends.hpp"
#include "storage/testing/legacy_sign_in_rows.hpp"
#include "storage/testing/unit_of_work_contract.hpp"

namespace gatehouse::storage::sqlite::test {
namespace {

using signin::TransactionStore;
using session::SsoSessionStore;
using signin::testing::TransactionStoreContract;
using session::testing::SsoSessionStoreContract;
using token::CodeStore;
using token::testing::CodeStoreContract;
using storage::testing::UnitOfWorkContract;

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

std::shared_ptr<Backend> whole(std::shared_ptr<OpenBackend> open) {
  Backend* backend = open->backend.get();
  return std::shared_ptr<Backend>(std::move(open), backend);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, UnitOfWorkContract,
                         ::testing::Values(storage::testing::UnitOfWorkBackend{"Memory", [] { return whole(open_memory_backend()); }},
                                           storage::testing::UnitOfWorkBackend{"File", [] { return whole(open_file_backend()); }}),
                         storage::testing::unit_of_work_backend_name);

// Expand/contract (migration 0015): what a node of the previous release writes and reads
// (storage/testing/legacy_sign_in_rows.hpp).

TEST(SqliteSignInStores, ARowAnOldNodeWroteReadsAsAnOidcTransaction) {
  TempDir dir;
  const auto path = (dir.path() / "gatehouse.db").string();
  SqliteBackend backend(SqliteOptions{.path = path});
  backend.migrate();
  Connection old_node(ConnectionSpec{.target = path, .label = path});
  Statement(old_node, storage::testing::kOldNodeInsert).bind_blob(1, storage::testing::kOldNodeCsrfHash).run();
  storage::testing::expect_old_node_row_read(backend.login_transactions().find("old", 1500));
  EXPECT_TRUE(backend.login_transactions().consume("old"));
}

TEST(SqliteSignInStores, AnOidcTransactionStillFillsTheColumnsAnOldNodeReads) {
  TempDir dir;
  const auto path = (dir.path() / "gatehouse.db").string();
  SqliteBackend backend(SqliteOptions{.path = path});
  backend.migrate();
  const auto request = storage::testing::oidc_request("st&ate=1 %");
  backend.login_transactions().insert(storage::testing::new_node_transaction(request));
  Connection old_node(ConnectionSpec{.target = path, .label = path});
  Statement s(old_node, storage::testing::kOldNodeSelect);
  s.bind_text(1, "new");
  ASSERT_TRUE(s.step());
  storage::testing::expect_old_node_columns(s, request);
}

}  // namespace
}  // namespace gatehouse::storage::sqlite::test
