#pragma once
// The contract every keys::KeyStore backend passes (STYLE C12). It defines the tests, so include
// it in exactly one .cpp of a test binary, and instantiate it once per backend:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, KeyStoreContract,
//       ::testing::Values(KeyStoreBackend{"Memory", [] { return make_my_store(); }}),
//       gatehouse::keys::testing::backend_name);
//
// make() returns a fresh, empty, migrated store; the shared_ptr owns whatever keeps it alive.

#include <algorithm>
#include <atomic>
#include <functional>
#include <latch>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/testing/store_contract.hpp"
#include "keys/key_store.hpp"

namespace gatehouse::keys::testing {

using KeyStoreBackend = contract::StoreBackend<KeyStore>;

inline constexpr auto backend_name = &contract::backend_name<KeyStore>;

class KeyStoreContract : public contract::StoreContract<KeyStore> {
 protected:
  static StoredKey sample_key(const std::string& kid, const std::string& alg, UnixSeconds created_at = 1'700'000'000) {
    StoredKey key;
    key.kid = kid;
    key.alg = alg;
    key.state = KeyState::kCurrent;
    key.sealed_private = std::string("\x00\x01\x02nonce\x00\x00\xff\xfe", 12) + kid + std::string(1, '\0');
    key.public_jwk = R"({"kty":"RSA","kid":")" + kid + R"(","n":"0vx7ag","e":"AQAB"})";
    key.created_at = created_at;
    key.activates_at = created_at + 60;
    key.retires_at = std::nullopt;
    return key;
  }

  static void expect_same(const StoredKey& expected, const StoredKey& actual) {
    EXPECT_EQ(actual.kid, expected.kid);
    EXPECT_EQ(actual.alg, expected.alg);
    EXPECT_EQ(actual.state, expected.state);
    EXPECT_EQ(actual.sealed_private, expected.sealed_private);
    EXPECT_EQ(actual.public_jwk, expected.public_jwk);
    EXPECT_EQ(actual.created_at, expected.created_at);
    EXPECT_EQ(actual.activates_at, expected.activates_at);
    EXPECT_EQ(actual.retires_at, expected.retires_at);
  }

  static std::vector<std::string> kids_of(const std::vector<StoredKey>& keys) {
    std::vector<std::string> kids;
    for (const auto& k : keys) kids.push_back(k.kid);
    return kids;
  }
};

TEST_P(KeyStoreContract, EmptyStoreHasNoKeysAndNoKeyCheck) {
  EXPECT_TRUE(store().list_active().empty());
  EXPECT_FALSE(store().key_check().has_value());
}

TEST_P(KeyStoreContract, InsertedKeyRoundTripsEveryField) {
  const StoredKey key = sample_key("kid-rsa", "RS256");
  ASSERT_TRUE(store().insert_current_if_none(key));
  const auto keys = store().list_active();
  ASSERT_EQ(keys.size(), 1u);
  expect_same(key, keys[0]);
}

TEST_P(KeyStoreContract, RetiresAtRoundTripsWhenSet) {
  StoredKey key = sample_key("kid-retiring", "ES256");
  key.retires_at = 1'800'000'000;
  ASSERT_TRUE(store().insert_current_if_none(key));
  const auto keys = store().list_active();
  ASSERT_EQ(keys.size(), 1u);
  expect_same(key, keys[0]);
}

TEST_P(KeyStoreContract, SecondCurrentKeyForSameAlgIsRefusedAndFirstKept) {
  const StoredKey first = sample_key("kid-1", "RS256");
  ASSERT_TRUE(store().insert_current_if_none(first));
  EXPECT_FALSE(store().insert_current_if_none(sample_key("kid-2", "RS256", 1'700'000'500)));
  const auto keys = store().list_active();
  ASSERT_EQ(keys.size(), 1u);
  expect_same(first, keys[0]);
}

TEST_P(KeyStoreContract, CurrentKeyForAnotherAlgIsAccepted) {
  ASSERT_TRUE(store().insert_current_if_none(sample_key("kid-rs", "RS256", 2000)));
  EXPECT_TRUE(store().insert_current_if_none(sample_key("kid-es", "ES256", 1000)));
  EXPECT_FALSE(store().insert_current_if_none(sample_key("kid-es-2", "ES256", 3000)));
  // Ordered by created_at, not by insertion.
  EXPECT_EQ(kids_of(store().list_active()), (std::vector<std::string>{"kid-es", "kid-rs"}));
}

TEST_P(KeyStoreContract, ConcurrentInsertsForOneAlgHaveExactlyOneWinner) {
  constexpr int kThreads = 8;
  std::latch start(kThreads);
  std::atomic<int> wins{0};
  std::vector<std::string> winners(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const StoredKey key = sample_key("kid-racer-" + std::to_string(t), "RS256");
      start.arrive_and_wait();
      if (store().insert_current_if_none(key)) {
        ++wins;
        winners[t] = key.kid;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wins.load(), 1);
  const auto keys = store().list_active();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_NE(std::find(winners.begin(), winners.end(), keys[0].kid), winners.end())
      << "the stored key is not the one whose caller was told it won";
}

TEST_P(KeyStoreContract, OneNextKeyPerAlgAndPromotionRotatesAtomically) {
  ASSERT_TRUE(store().insert_current_if_none(sample_key("cur", "RS256", 100)));
  auto next = sample_key("nxt", "RS256", 200);
  next.state = KeyState::kNext;
  next.activates_at = 500;
  EXPECT_TRUE(store().insert_next_if_none(next));
  auto other = sample_key("nxt2", "RS256", 201);
  other.state = KeyState::kNext;
  EXPECT_FALSE(store().insert_next_if_none(other)) << "one next key per algorithm";
  auto es = sample_key("es-nxt", "ES256", 202);
  es.state = KeyState::kNext;
  EXPECT_TRUE(store().insert_next_if_none(es)) << "another algorithm has its own";

  EXPECT_FALSE(store().promote_next("RS256", "nxt2", 600, 900)) << "not the next key";
  EXPECT_FALSE(store().promote_next("ES256", "nxt", 600, 900)) << "another algorithm's";
  ASSERT_TRUE(store().promote_next("RS256", "nxt", 600, 900));
  EXPECT_FALSE(store().promote_next("RS256", "nxt", 601, 901)) << "promoted once";
  auto keys = store().list_active();
  auto state_of = [&](const std::string& kid) -> std::optional<StoredKey> {
    for (const auto& k : keys)
      if (k.kid == kid) return k;
    return std::nullopt;
  };
  ASSERT_TRUE(state_of("nxt"));
  EXPECT_EQ(state_of("nxt")->state, KeyState::kCurrent);
  EXPECT_EQ(state_of("nxt")->activates_at, 600);
  ASSERT_TRUE(state_of("cur"));
  EXPECT_EQ(state_of("cur")->state, KeyState::kPrevious);
  EXPECT_EQ(state_of("cur")->retires_at, 900);
  EXPECT_EQ(state_of("es-nxt")->state, KeyState::kNext) << "untouched";

  auto newer = sample_key("nxt3", "RS256", 650);
  newer.state = KeyState::kNext;
  EXPECT_TRUE(store().insert_next_if_none(newer)) << "a new next key after the rotation";
  EXPECT_EQ(store().retire_previous(899), 0u);
  EXPECT_EQ(store().retire_previous(900), 1u);
  keys = store().list_active();
  EXPECT_FALSE(state_of("cur")) << "a retired key is no longer listed";
  EXPECT_EQ(store().retire_previous(10'000), 0u);
}

TEST_P(KeyStoreContract, OfRotationsRacingForOneNextKeyExactlyOneWins) {
  ASSERT_TRUE(store().insert_current_if_none(sample_key("cur", "ES256", 100)));
  auto next = sample_key("nxt", "ES256", 200);
  next.state = KeyState::kNext;
  ASSERT_TRUE(store().insert_next_if_none(next));
  constexpr int kThreads = 6;
  std::atomic<int> wins{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&] {
      start.arrive_and_wait();
      if (store().promote_next("ES256", "nxt", 300, 400)) wins.fetch_add(1);
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 1);
  int current = 0;
  for (const auto& k : store().list_active()) current += k.alg == "ES256" && k.state == KeyState::kCurrent;
  EXPECT_EQ(current, 1);
}

TEST_P(KeyStoreContract, KeyCheckIsSetOnceAndThenKept) {
  const std::string value("\x00\x9a\xff check \x00", 11);
  EXPECT_EQ(store().set_key_check_if_absent(value), value);
  EXPECT_EQ(store().key_check(), std::optional<std::string>(value));
  // A node with another master key must see the stored value, not overwrite it.
  EXPECT_EQ(store().set_key_check_if_absent("different"), value);
  EXPECT_EQ(store().key_check(), std::optional<std::string>(value));
}

TEST_P(KeyStoreContract, ConcurrentKeyCheckSettersAllSeeOneValue) {
  constexpr int kThreads = 8;
  std::latch start(kThreads);
  std::vector<std::string> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string mine = std::string("check-", 6) + std::to_string(t) + std::string(1, '\0');
      start.arrive_and_wait();
      seen[t] = store().set_key_check_if_absent(mine);
    });
  }
  for (auto& thread : threads) thread.join();
  const auto stored = store().key_check();
  ASSERT_TRUE(stored.has_value());
  for (const auto& value : seen) EXPECT_EQ(value, *stored);
  bool from_a_caller = false;
  for (int t = 0; t < kThreads; ++t) {
    from_a_caller |= *stored == std::string("check-", 6) + std::to_string(t) + std::string(1, '\0');
  }
  EXPECT_TRUE(from_a_caller);
}

TEST_P(KeyStoreContract, IsSafeUnderConcurrentUse) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20;
  const std::vector<std::string> algs = {"RS256", "ES256", "EdDSA", "PS256"};
  std::latch start(kThreads);
  std::atomic<int> wins{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kPerThread; ++i) {
        const std::string& alg = algs[static_cast<std::size_t>(i) % algs.size()];
        if (store().insert_current_if_none(sample_key("kid-" + std::to_string(t) + "-" + std::to_string(i), alg))) {
          ++wins;
        }
        if (store().list_active().empty()) ++failures;
        store().key_check();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(wins.load(), static_cast<int>(algs.size()));
  EXPECT_EQ(store().list_active().size(), algs.size());
}

}  // namespace gatehouse::keys::testing
