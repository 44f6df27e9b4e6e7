#pragma once
// The contract every limits::CounterStore backend passes (STYLE C12), and the RateLimiter on top
// of it. Include it in exactly one .cpp of a test binary; instantiate it once per backend with a
// CounterStoreBackend and counter_backend_name.

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/testing/store_contract.hpp"
#include "limits/counter_store.hpp"
#include "limits/rate_limiter.hpp"

namespace gatehouse::limits::testing {

using CounterStoreBackend = contract::StoreBackend<CounterStore>;
inline constexpr auto counter_backend_name = &contract::backend_name<CounterStore>;

class CounterStoreContract : public contract::StoreContract<CounterStore> {};

TEST_P(CounterStoreContract, CountsHitsPerKey) {
  EXPECT_EQ(store().hit("token-ip:60:10.0.0.1", 120), 1);
  EXPECT_EQ(store().hit("token-ip:60:10.0.0.1", 120), 2);
  EXPECT_EQ(store().hit("token-ip:60:10.0.0.2", 120), 1);
  EXPECT_EQ(store().hit("token-ip:120:10.0.0.1", 180), 1) << "another window";
  EXPECT_EQ(store().hit("token-ip:60:10.0.0.1", 120), 3);
}

TEST_P(CounterStoreContract, HitsReadsACountWithoutAddingToIt) {
  EXPECT_EQ(store().hits("auth-fail-ip:60:10.0.0.1"), 0) << "never hit";
  store().hit("auth-fail-ip:60:10.0.0.1", 120);
  store().hit("auth-fail-ip:60:10.0.0.1", 120);
  EXPECT_EQ(store().hits("auth-fail-ip:60:10.0.0.1"), 2);
  EXPECT_EQ(store().hits("auth-fail-ip:60:10.0.0.1"), 2) << "reading does not count";
  EXPECT_EQ(store().hits("auth-fail-ip:60:10.0.0.2"), 0);
  EXPECT_EQ(store().hit("auth-fail-ip:60:10.0.0.1", 120), 3);
}

TEST_P(CounterStoreContract, ReleaseTakesOneHitBackNeverBelowZero) {
  store().hit("pending-ip:60:10.0.0.1", 120);
  store().hit("pending-ip:60:10.0.0.1", 120);
  store().release("pending-ip:60:10.0.0.1");
  EXPECT_EQ(store().hits("pending-ip:60:10.0.0.1"), 1);
  store().release("pending-ip:60:10.0.0.1");
  store().release("pending-ip:60:10.0.0.1");
  EXPECT_EQ(store().hits("pending-ip:60:10.0.0.1"), 0) << "never below zero";
  EXPECT_EQ(store().hit("pending-ip:60:10.0.0.1", 120), 1);
  store().release("pending-ip:60:10.0.0.9");
  EXPECT_EQ(store().hits("pending-ip:60:10.0.0.9"), 0) << "a window never hit stays absent";
}

TEST_P(CounterStoreContract, ALimitOnPendingThingsCountsOnlyThoseNotFinished) {
  FixedClock clock(1'800'000'010);
  RateLimiter limiter(store(), clock);
  const Rule rule{"authorize-ip", 3, 60};
  // Many more started than the limit, each finished before the next: never over.
  for (int i = 0; i < 10; ++i) {
    EXPECT_FALSE(limiter.over_limit(rule, "192.0.2.7")) << i;
    limiter.release(rule, "192.0.2.7");
  }
  // Three left pending, the fourth is refused.
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.over_limit(rule, "192.0.2.7")) << i;
  EXPECT_EQ(limiter.over_limit(rule, "192.0.2.7"), 50);
  limiter.release(Rule{"off", 0, 60}, "192.0.2.7");  // an off rule does nothing
}

TEST_P(CounterStoreContract, PurgeDeletesEndedWindowsInBatches) {
  for (int i = 0; i < 5; ++i) store().hit("old:" + std::to_string(i), 100 + i);
  store().hit("live", 10'000);
  EXPECT_EQ(store().purge_expired(1000, 0), 0u);
  EXPECT_EQ(store().purge_expired(1000, 3), 3u);
  EXPECT_EQ(store().purge_expired(1000, 3), 2u);
  EXPECT_EQ(store().purge_expired(1000, 3), 0u);
  EXPECT_EQ(store().hit("live", 10'000), 2);
  EXPECT_EQ(store().hit("old:0", 200), 1) << "a purged window starts again";
}

TEST_P(CounterStoreContract, ConcurrentHitsEachSeeADifferentCount) {
  std::vector<std::thread> threads;
  std::mutex mutex;
  std::set<std::int64_t> seen;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        const auto n = store().hit("race", 10'000);
        std::lock_guard lock(mutex);
        seen.insert(n);
      }
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(*seen.begin(), 1);
  EXPECT_EQ(*seen.rbegin(), 100);
}

TEST_P(CounterStoreContract, TheLimiterAllowsLimitPerWindowAndSaysWhenToRetry) {
  FixedClock clock(1'800'000'010);  // 10 s into a 60 s window
  RateLimiter limiter(store(), clock);
  const Rule rule{"login-ip", 3, 60};
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.over_limit(rule, "203.0.113.9")) << i;
  EXPECT_EQ(limiter.over_limit(rule, "203.0.113.9"), 50) << "over: retry when the window ends";
  EXPECT_FALSE(limiter.over_limit(rule, "203.0.113.10")) << "another subject";
  EXPECT_FALSE(limiter.over_limit(Rule{"login-client", 3, 60}, "203.0.113.9")) << "another rule";
  clock.advance(50);
  EXPECT_FALSE(limiter.over_limit(rule, "203.0.113.9")) << "a new window";
  EXPECT_FALSE(limiter.over_limit(Rule{"off", 0, 60}, "x"));
}

TEST_P(CounterStoreContract, FailuresAreCheckedBeforeAnAttemptAndCountedOnlyWhenOneFails) {
  FixedClock clock(1'800'000'010);
  RateLimiter limiter(store(), clock);
  const Rule rule{"auth-fail-ip", 2, 60};
  EXPECT_FALSE(limiter.exhausted(rule, "198.51.100.1"));
  EXPECT_FALSE(limiter.exhausted(rule, "198.51.100.1")) << "checking costs nothing of the budget";
  EXPECT_EQ(limiter.record(rule, "198.51.100.1"), 1) << "the first failure of the window";
  EXPECT_FALSE(limiter.exhausted(rule, "198.51.100.1"));
  EXPECT_EQ(limiter.record(rule, "198.51.100.1"), 2);
  EXPECT_EQ(limiter.exhausted(rule, "198.51.100.1"), 50) << "two failures: the next attempt waits for the window";
  EXPECT_FALSE(limiter.exhausted(rule, "198.51.100.2")) << "another address";
  clock.advance(50);
  EXPECT_FALSE(limiter.exhausted(rule, "198.51.100.1")) << "a new window";
  EXPECT_EQ(limiter.record(Rule{"off", 0, 60}, "x"), 0);
  EXPECT_FALSE(limiter.exhausted(Rule{"off", 0, 60}, "x"));
}

}  // namespace gatehouse::limits::testing
