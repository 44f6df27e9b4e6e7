// user::UserStore contract on SQLite (":memory:" and a file), and through the node's near-cache.
#include "user/testing/user_store_contract.hpp"

#include "storage/sqlite/test_backends.hpp"
#include "user/user_cache.hpp"

namespace gatehouse::storage::sqlite::test {
namespace {

using user::UserStore;
using user::testing::UserStoreBackend;
using user::testing::UserStoreContract;

INSTANTIATE_TEST_SUITE_P(
    Sqlite, UserStoreContract,
    ::testing::Values(
        UserStoreBackend{"Memory", [] { return store_of<UserStore, &SqliteBackend::users>(open_memory_backend()); }},
        UserStoreBackend{"File", [] { return store_of<UserStore, &SqliteBackend::users>(open_file_backend()); }},
        // The node's near-cache must keep the port's contract too.
        UserStoreBackend{"CachedMemory", [] {
          struct Cached {
            explicit Cached(std::shared_ptr<UserStore> s) : inner(std::move(s)), cache(*inner, std::chrono::seconds(30)) {}
            std::shared_ptr<UserStore> inner;
            user::CachingUserStore cache;
          };
          auto holder = std::make_shared<Cached>(store_of<UserStore, &SqliteBackend::users>(open_memory_backend()));
          return std::shared_ptr<UserStore>(holder, &holder->cache);
        }}),
    user::testing::backend_name);

}  // namespace
}  // namespace gatehouse::storage::sqlite::test
