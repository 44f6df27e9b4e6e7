// token::RefreshTokenStore contract on SQLite (":memory:" and a file).
#include "token/testing/refresh_token_store_contract.hpp"

#include "storage/sqlite/test_backends.hpp"

namespace gatehouse::storage::sqlite::test {
namespace {

using token::testing::GrantStores;
using token::testing::RefreshTokenStoreBackend;
using token::testing::RefreshTokenStoreContract;

std::shared_ptr<GrantStores> grant_stores(std::shared_ptr<OpenBackend> open) {
  struct Holder {
    std::shared_ptr<OpenBackend> open;
    GrantStores stores;
  };
  auto& b = *open->backend;
  auto holder = std::make_shared<Holder>(Holder{std::move(open), GrantStores{b.refresh_tokens(), b.revocations(), b.codes()}});
  return std::shared_ptr<GrantStores>(holder, &holder->stores);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, RefreshTokenStoreContract,
                         ::testing::Values(RefreshTokenStoreBackend{"Memory", [] { return grant_stores(open_memory_backend()); }},
                                           RefreshTokenStoreBackend{"File", [] { return grant_stores(open_file_backend()); }}),
                         token::testing::refresh_backend_name);

}  // namespace
}  // namespace gatehouse::storage::sqlite::test
