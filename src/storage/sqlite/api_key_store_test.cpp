// admin::ApiKeyStore and admin::AuditStore contracts on SQLite (":memory:" and a file).
#include "admin/testing/api_key_store_contract.hpp"
#include "admin/testing/audit_store_contract.hpp"

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

using admin::AuditStore;
using admin::testing::AuditStoreBackend;
using admin::testing::AuditStoreContract;

INSTANTIATE_TEST_SUITE_P(
    Sqlite, AuditStoreContract,
    ::testing::Values(
        AuditStoreBackend{"Memory", [] { return store_of<AuditStore, &SqliteBackend::audit>(open_memory_backend()); }},
        AuditStoreBackend{"File", [] { return store_of<AuditStore, &SqliteBackend::audit>(open_file_backend()); }}),
    admin::testing::audit_backend_name);

}  // namespace
}  // namespace gatehouse::storage::sqlite::test
