// Sign-in state contracts on SQLite (":memory:" and a file): login transactions, SSO sessions,
// authorization codes.
#include "session/testing/login_transaction_store_contract.hpp"
#include "session/testing/sso_session_store_contract.hpp"
#include "token/testing/code_store_contract.hpp"

#include "storage/sqlite/test_backends.hpp"

namespace gatehouse::storage::sqlite::test {
namespace {

using session::LoginTransactionStore;
using session::SsoSessionStore;
using session::testing::LoginTransactionStoreContract;
using session::testing::SsoSessionStoreContract;
using token::CodeStore;
using token::testing::CodeStoreContract;

INSTANTIATE_TEST_SUITE_P(
    Sqlite, LoginTransactionStoreContract,
    ::testing::Values(
        session::testing::LoginTransactionStoreBackend{
            "Memory", [] { return store_of<LoginTransactionStore, &SqliteBackend::login_transactions>(open_memory_backend()); }},
        session::testing::LoginTransactionStoreBackend{
            "File", [] { return store_of<LoginTransactionStore, &SqliteBackend::login_transactions>(open_file_backend()); }}),
    session::testing::login_transaction_backend_name);

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

}  // namespace
}  // namespace gatehouse::storage::sqlite::test
