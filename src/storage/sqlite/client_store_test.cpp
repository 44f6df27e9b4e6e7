// client::ClientStore contract on SQLite (":memory:" and a file).
#include "client/testing/client_store_contract.hpp"

#include "client/client_cache.hpp"
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
        ClientStoreBackend{"File", [] { return store_of<ClientStore, &SqliteBackend::clients>(open_file_backend()); }},
        // The node's near-cache must keep the port's contract too.
        ClientStoreBackend{"CachedMemory", [] {
          struct Cached {
            explicit Cached(std::shared_ptr<ClientStore> s) : inner(std::move(s)), cache(*inner, std::chrono::seconds(30)) {}
            std::shared_ptr<ClientStore> inner;
            client::CachingClientStore cache;
          };
          auto holder = std::make_shared<Cached>(store_of<ClientStore, &SqliteBackend::clients>(open_memory_backend()));
          return std::shared_ptr<ClientStore>(holder, &holder->cache);
        }}),
    client::testing::backend_name);

}  // namespace
}  // namespace gatehouse::storage::sqlite::test
