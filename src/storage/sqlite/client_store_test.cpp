// client::ClientStore contract on SQLite (":memory:" and a file).
#include "client/testing/client_store_contract.hpp"

#include "storage/sqlite/test_backends.hpp"

namespace gatehouse::storage::sqlite::test {
namespace {

using client::ClientStore;
using client::testing::ClientStoreBackend;
using client::testing::ClientStoreContract;

INSTANTIATE_TEST_SUITE_P(
    Sqlite, ClientStoreContract,
    ::testing::Values(
        ClientStoreBackend{"Memory", [] { return store_of<ClientStore, &SqliteBackend::clients>(open_memory_backend()); }},
        ClientStoreBackend{"File", [] { return store_of<ClientStore, &SqliteBackend::clients>(open_file_backend()); }}),
    client::testing::backend_name);

}  // namespace
}  // namespace gatehouse::storage::sqlite::test
