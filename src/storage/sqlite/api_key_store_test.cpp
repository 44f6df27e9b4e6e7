// admin::ApiKeyStore contract on SQLite (":memory:" and a file).
#include "admin/testing/api_key_store_contract.hpp"

#include "storage/sqlite/test_backends.hpp"

namespace gatehouse::storage::sqlite::test {
namespace {

using admin::ApiKeyStore;
using admin::testing::ApiKeyStoreBackend;
using admin::testing::ApiKeyStoreContract;

INSTANTIATE_TEST_SUITE_P(
    Sqlite, ApiKeyStoreContract,
    ::testing::Values(
        ApiKeyStoreBackend{"Memory", [] { return store_of<ApiKeyStore, &SqliteBackend::api_keys>(open_memory_backend()); }},
        ApiKeyStoreBackend{"File", [] { return store_of<ApiKeyStore, &SqliteBackend::api_keys>(open_file_backend()); }}),
    admin::testing::backend_name);

}  // namespace
}  // namespace gatehouse::storage::sqlite::test
