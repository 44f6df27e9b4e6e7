#pragma once
// The contract every token::ReplayStore backend passes (STYLE C12). Include it in exactly one .cpp
// of a test binary and instantiate it once per backend with a ReplayStoreBackend and
// replay_backend_name; make() returns a fresh, empty, migrated store.

#include <atomic>
#include <latch>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/testing/store_contract.hpp"
#include "token/replay_store.hpp"

namespace gatehouse::token::testing {

using ReplayStoreBackend = contract::StoreBackend<ReplayStore>;
inline constexpr auto replay_backend_name = &contract::backend_name<ReplayStore>;

class ReplayStoreContract : public contract::StoreContract<ReplayStore> {};

TEST_P(ReplayStoreContract, FirstUseIsAcceptedAndEveryLaterOneRefused) {
  EXPECT_TRUE(store().first_use("client-a jti-1", 2000, 1000));
  EXPECT_FALSE(store().first_use("client-a jti-1", 2000, 1000));
  EXPECT_FALSE(store().first_use("client-a jti-1", 3000, 1500));  // a later expiry does not help
  EXPECT_FALSE(store().first_use("client-a jti-1", 2000, 2000));  // expires_at == now: still live
}

TEST_P(ReplayStoreContract, KeysAreExactAndCaseSensitive) {
  EXPECT_TRUE(store().first_use("client-a jti-1", 2000, 1000));
  EXPECT_TRUE(store().first_use("client-b jti-1", 2000, 1000));
  EXPECT_TRUE(store().first_use("client-a JTI-1", 2000, 1000));
  EXPECT_TRUE(store().first_use("client-a jti-1 ", 2000, 1000));
  EXPECT_TRUE(store().first_use("client-a jti-", 2000, 1000));
}

TEST_P(ReplayStoreContract, AnExpiredUseThatWasNotPurgedCountsAsNew) {
  EXPECT_TRUE(store().first_use("k", 1000, 900));
  EXPECT_TRUE(store().first_use("k", 3000, 1001));
  EXPECT_FALSE(store().first_use("k", 3000, 2000));  // the new use is remembered until 3000
  EXPECT_EQ(store().purge_expired(2500, 10), 0u);
  EXPECT_EQ(store().purge_expired(3001, 10), 1u);
}

TEST_P(ReplayStoreContract, PurgeDeletesExpiredEntriesInBoundedBatches) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store().first_use("old-" + std::to_string(i), 100 + i, 50));
  ASSERT_TRUE(store().first_use("live", 10'000, 50));
  EXPECT_EQ(store().purge_expired(1000, 0), 0u);
  EXPECT_EQ(store().purge_expired(102, 10), 2u);  // 100 and 101; 102 has not expired before 102
  EXPECT_EQ(store().purge_expired(1000, 2), 2u);
  EXPECT_EQ(store().purge_expired(1000, 2), 1u);
  EXPECT_EQ(store().purge_expired(1000, 2), 0u);
  EXPECT_FALSE(store().first_use("live", 10'000, 1000));
  EXPECT_EQ(store().purge_expired(std::numeric_limits<UnixSeconds>::max(), 100), 1u);
}

TEST_P(ReplayStoreContract, ExactlyOneOfManyConcurrentUsesIsAccepted) {
  constexpr int kThreads = 4;
  constexpr int kKeys = 40;
  std::latch start(kThreads);
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      for (int k = 0; k < kKeys; ++k)
        if (store().first_use("race-" + std::to_string(k), 5000, 1000)) ++accepted;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(accepted.load(), kKeys);
}

}  // namespace gatehouse::token::testing
