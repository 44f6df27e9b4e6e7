#pragma once
// The contract every admin::ApiKeyStore backend passes (STYLE C12). It defines the tests, so
// include it in exactly one .cpp of a test binary, and instantiate it once per backend:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, ApiKeyStoreContract,
//       ::testing::Values(ApiKeyStoreBackend{"Memory", [] { return make_my_store(); }}),
//       gatehouse::admin::testing::backend_name);
//
// make() returns a fresh, empty, migrated store; the shared_ptr owns whatever keeps it alive.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <latch>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/testing/store_contract.hpp"
#include "admin/api_key_store.hpp"

namespace gatehouse::admin::testing {

using ApiKeyStoreBackend = contract::StoreBackend<ApiKeyStore>;

inline constexpr auto backend_name = &contract::backend_name<ApiKeyStore>;

class ApiKeyStoreContract : public contract::StoreContract<ApiKeyStore> {
 protected:
  /// A binary hash (zero and 0xff bytes, at least 32 bytes) that differs for every id.
  static std::string hash_for(const std::string& id) {
    std::string hash = std::string(1, '\0') + id + std::string(1, '\0');
    hash.resize(std::max<std::size_t>(hash.size(), 32), '\xff');
    return hash;
  }

  static ApiKey sample_key(const std::string& id, UnixSeconds created_at = 1'700'000'000) {
    return ApiKey{.id = id, .key_hash = hash_for(id), .description = "key " + id + " \xe2\x9c\x93",
                  .created_at = created_at};
  }

  static void expect_same(const ApiKey& expected, const ApiKey& actual) {
    EXPECT_EQ(actual.id, expected.id);
    EXPECT_EQ(actual.key_hash, expected.key_hash);
    EXPECT_EQ(actual.description, expected.description);
    EXPECT_EQ(actual.created_at, expected.created_at);
    EXPECT_EQ(actual.expires_at, expected.expires_at);
    EXPECT_EQ(actual.role, expected.role);
  }

  static std::vector<std::string> ids_of(const std::vector<ApiKey>& keys) {
    std::vector<std::string> ids;
    for (const auto& k : keys) ids.push_back(k.id);
    return ids;
  }
};

TEST_P(ApiKeyStoreContract, EmptyStoreFindsNothingAndListsNothing) {
  EXPECT_FALSE(store().find_by_hash(hash_for("x")).has_value());
  EXPECT_FALSE(store().find_by_hash("").has_value());
  EXPECT_TRUE(store().list().empty());
}

TEST_P(ApiKeyStoreContract, InsertedKeyIsFoundByItsHashWithEveryField) {
  const ApiKey key = sample_key("ops");
  ASSERT_TRUE(store().insert(key));
  const auto found = store().find_by_hash(key.key_hash);
  ASSERT_TRUE(found.has_value());
  expect_same(key, *found);
}

TEST_P(ApiKeyStoreContract, ExpiryAndRoleAreKeptAndDefaultToNeverAndAdmin) {
  const ApiKey plain = sample_key("plain");
  EXPECT_FALSE(plain.expires_at.has_value());
  EXPECT_EQ(plain.role, ApiKeyRole::kAdmin);
  ApiKey limited = sample_key("limited");
  limited.expires_at = 1'700'086'400;
  limited.role = ApiKeyRole::kReadOnly;
  ApiKey expired = sample_key("expired");
  expired.expires_at = 0;  // a time, not "never"
  ASSERT_TRUE(store().insert(plain));
  ASSERT_TRUE(store().insert(limited));
  ASSERT_TRUE(store().insert(expired));
  expect_same(plain, store().find_by_hash(plain.key_hash).value());
  expect_same(limited, store().find_by_hash(limited.key_hash).value());
  expect_same(expired, store().find_by_hash(expired.key_hash).value());
  const auto listed = store().list();
  ASSERT_EQ(listed.size(), 3u);
  for (const auto& k : listed) {
    if (k.id == "limited") expect_same(limited, k);
    if (k.id == "plain") expect_same(plain, k);
  }
  EXPECT_EQ(api_key_role_from("read_only"), ApiKeyRole::kReadOnly);
  EXPECT_EQ(api_key_role_from(to_string(ApiKeyRole::kAdmin)), ApiKeyRole::kAdmin);
  EXPECT_FALSE(api_key_role_from("Admin"));
}

TEST_P(ApiKeyStoreContract, HashLookupIsExactOverBinaryBytes) {
  ApiKey key = sample_key("bin");
  key.key_hash = std::string("ab\0cd\0", 6);
  key.description = "";
  ASSERT_TRUE(store().insert(key));
  expect_same(key, store().find_by_hash(std::string("ab\0cd\0", 6)).value());
  EXPECT_FALSE(store().find_by_hash("ab").has_value());                         // prefix up to a zero byte
  EXPECT_FALSE(store().find_by_hash(std::string("ab\0cd", 5)).has_value());     // prefix
  EXPECT_FALSE(store().find_by_hash(std::string("ab\0cd\0\0", 7)).has_value()); // longer
  EXPECT_FALSE(store().find_by_hash(std::string("AB\0CD\0", 6)).has_value());   // other case
}

TEST_P(ApiKeyStoreContract, ListIsOrderedByCreatedAtThenId) {
  ASSERT_TRUE(store().insert(sample_key("c", 200)));
  ASSERT_TRUE(store().insert(sample_key("b", 100)));
  ASSERT_TRUE(store().insert(sample_key("d", 100)));
  ASSERT_TRUE(store().insert(sample_key("a", 300)));
  const auto keys = store().list();
  EXPECT_EQ(ids_of(keys), (std::vector<std::string>{"b", "d", "c", "a"}));
  ASSERT_EQ(keys.size(), 4u);
  expect_same(sample_key("b", 100), keys[0]);
}

TEST_P(ApiKeyStoreContract, DuplicateIdReturnsFalseAndChangesNothing) {
  const ApiKey original = sample_key("same-id");
  ASSERT_TRUE(store().insert(original));
  ApiKey other = sample_key("other");
  other.id = "same-id";
  EXPECT_FALSE(store().insert(other));
  EXPECT_FALSE(store().find_by_hash(other.key_hash).has_value());
  expect_same(original, store().find_by_hash(original.key_hash).value());
  EXPECT_EQ(store().list().size(), 1u);
}

TEST_P(ApiKeyStoreContract, DuplicateHashReturnsFalseAndChangesNothing) {
  const ApiKey original = sample_key("first");
  ASSERT_TRUE(store().insert(original));
  ApiKey other = sample_key("second");
  other.key_hash = original.key_hash;
  EXPECT_FALSE(store().insert(other));
  expect_same(original, store().find_by_hash(original.key_hash).value());
  EXPECT_EQ(ids_of(store().list()), (std::vector<std::string>{"first"}));
}

TEST_P(ApiKeyStoreContract, RemoveDeletesOnlyThatKeyAndReportsUnknown) {
  const ApiKey keep = sample_key("keep");
  const ApiKey drop = sample_key("drop");
  ASSERT_TRUE(store().insert(keep));
  ASSERT_TRUE(store().insert(drop));
  EXPECT_TRUE(store().remove("drop"));
  EXPECT_FALSE(store().find_by_hash(drop.key_hash).has_value());
  EXPECT_TRUE(store().find_by_hash(keep.key_hash).has_value());
  EXPECT_FALSE(store().remove("drop"));
  EXPECT_FALSE(store().remove("never-existed"));
  EXPECT_EQ(ids_of(store().list()), (std::vector<std::string>{"keep"}));
  EXPECT_TRUE(store().insert(drop));  // id and hash are free again
}

TEST_P(ApiKeyStoreContract, IsSafeUnderConcurrentUse) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::latch start(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kPerThread; ++i) {
        const ApiKey key = sample_key("k" + std::to_string(t) + "-" + std::to_string(i), i);
        if (!store().insert(key)) ++failures;
        const auto found = store().find_by_hash(key.key_hash);
        if (!found || found->id != key.id) ++failures;
        if (i % 5 == 0 && store().list().empty()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store().list().size(), static_cast<std::size_t>(kThreads * kPerThread));
}

TEST_P(ApiKeyStoreContract, ConcurrentInsertsOfOneHashHaveExactlyOneWinner) {
  constexpr int kThreads = 8;
  std::latch start(kThreads);
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ApiKey key = sample_key("racer-" + std::to_string(t));
      key.key_hash = hash_for("contested");
      start.arrive_and_wait();
      if (store().insert(key)) ++wins;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(store().list().size(), 1u);
}

}  // namespace gatehouse::admin::testing
