// keys::KeyStore contract on SQLite (":memory:" and a file), plus the cross-process case the
// contract cannot express: two backends (as two nodes would) racing on one file.
#include "keys/testing/key_store_contract.hpp"

#include "storage/sqlite/test_backends.hpp"

namespace gatehouse::storage::sqlite::test {
namespace {

using keys::KeyStore;
using keys::testing::KeyStoreBackend;
using keys::testing::KeyStoreContract;

INSTANTIATE_TEST_SUITE_P(
    Sqlite, KeyStoreContract,
    ::testing::Values(
        KeyStoreBackend{"Memory", [] { return store_of<KeyStore, &SqliteBackend::keys>(open_memory_backend()); }},
        KeyStoreBackend{"File", [] { return store_of<KeyStore, &SqliteBackend::keys>(open_file_backend()); }}),
    keys::testing::backend_name);

TEST(SqliteKeyStore, TwoBackendsOnOneFileElectOneCurrentKey) {
  TempDir dir;
  const std::string path = (dir.path() / "gatehouse.db").string();
  SqliteBackend a(SqliteOptions{.path = path});
  SqliteBackend b(SqliteOptions{.path = path});
  a.migrate();
  b.migrate();

  constexpr int kThreads = 8;
  std::latch start(kThreads);
  std::atomic<int> wins{0};
  std::vector<std::string> checks(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      SqliteBackend& node = t % 2 == 0 ? a : b;
      keys::StoredKey key;
      key.kid = "kid-" + std::to_string(t);
      key.alg = "ES256";
      key.sealed_private = std::string("\0sealed", 7);
      key.public_jwk = "{}";
      start.arrive_and_wait();
      if (node.keys().insert_current_if_none(key)) ++wins;
      checks[t] = node.keys().set_key_check_if_absent("check-" + std::to_string(t));
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(a.keys().list_active().size(), 1u);
  EXPECT_EQ(b.keys().list_active().size(), 1u);
  for (const auto& check : checks) EXPECT_EQ(check, checks[0]);
  EXPECT_EQ(b.keys().key_check(), std::optional<std::string>(checks[0]));
}

}  // namespace
}  // namespace gatehouse::storage::sqlite::test
