// user::UserStore contract on SQLite (":memory:" and a file).
#include "user/testing/user_store_contract.hpp"

#include "storage/sqlite/test_backends.hpp"

namespace gatehouse::storage::sqlite::test {
namespace {

using user::UserStore;
using user::testing::UserStoreBackend;
using user::testing::UserStoreContract;

INSTANTIATE_TEST_SUITE_P(
    Sqlite, UserStoreContract,
    ::testing::Values(
        UserStoreBackend{"Memory", [] { return store_of<UserStore, &SqliteBackend::users>(open_memory_backend()); }},
        UserStoreBackend{"File", [] { return store_of<UserStore, &SqliteBackend::users>(open_file_backend()); }}),
    user::testing::backend_name);

}  // namespace
}  // namespace gatehouse::storage::sqlite::test
