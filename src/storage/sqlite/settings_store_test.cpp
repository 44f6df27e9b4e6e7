// settings::SettingsStore contract on SQLite (":memory:" and a file).
#include "settings/testing/settings_store_contract.hpp"

#include "storage/sqlite/test_backends.hpp"

namespace gatehouse::storage::sqlite::test {
namespace {

using settings::SettingsStore;
using settings::testing::SettingsStoreBackend;
using settings::testing::SettingsStoreContract;

INSTANTIATE_TEST_SUITE_P(
    Sqlite, SettingsStoreContract,
    ::testing::Values(
        SettingsStoreBackend{"Memory", [] { return store_of<SettingsStore, &SqliteBackend::settings>(open_memory_backend()); }},
        SettingsStoreBackend{"File", [] { return store_of<SettingsStore, &SqliteBackend::settings>(open_file_backend()); }}),
    settings::testing::backend_name);

}  // namespace
}  // namespace gatehouse::storage::sqlite::test
