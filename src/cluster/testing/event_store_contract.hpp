#pragma once
// The contract every cluster::EventStore backend passes (STYLE C12). Include it in exactly one .cpp
// of a test binary and instantiate it once per backend (core/testing/store_contract.hpp).

#include <algorithm>
#include <latch>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "cluster/event_store.hpp"
#include "core/testing/store_contract.hpp"

namespace gatehouse::cluster::testing {

using EventStoreBackend = contract::StoreBackend<EventStore>;

inline constexpr auto event_backend_name = &contract::backend_name<EventStore>;

class EventStoreContract : public contract::StoreContract<EventStore> {
 protected:
  static constexpr UnixMillis kT0 = 1'800'000'000'000;
};

TEST_P(EventStoreContract, AnEmptyStoreHasNoEvents) {
  EXPECT_EQ(store().latest_seq(), 0);
  EXPECT_TRUE(store().read_after(0, 100).empty());
}

TEST_P(EventStoreContract, AppendedEventsComeBackInOrderAfterASequenceNumber) {
  const auto first = store().append("client", "app-1", kT0);
  const auto second = store().append("user", "u-\xc3\xa9", kT0 + 1);
  const auto third = store().append("key", "kid-1", kT0 + 2);
  EXPECT_GT(first, 0);
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
  EXPECT_EQ(store().latest_seq(), third);
  auto all = store().read_after(0, 100);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].seq, first);
  EXPECT_EQ(all[0].kind, "client");
  EXPECT_EQ(all[0].key, "app-1");
  EXPECT_EQ(all[0].created_at, kT0);
  EXPECT_EQ(all[1].key, "u-\xc3\xa9");
  auto tail = store().read_after(first, 1);
  ASSERT_EQ(tail.size(), 1u) << "limit";
  EXPECT_EQ(tail[0].seq, second);
  EXPECT_TRUE(store().read_after(third, 100).empty());
}

TEST_P(EventStoreContract, PurgeDeletesOnlyOldEventsInBoundedBatches) {
  for (int i = 0; i < 5; ++i) store().append("client", "old-" + std::to_string(i), kT0 + i);
  const auto kept = store().append("client", "new", kT0 + 1000);
  EXPECT_EQ(store().purge_before(kT0 + 1000, 3), 3u);
  EXPECT_EQ(store().purge_before(kT0 + 1000, 3), 2u);
  EXPECT_EQ(store().purge_before(kT0 + 1000, 3), 0u);
  auto left = store().read_after(0, 100);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].seq, kept);
  EXPECT_EQ(store().latest_seq(), kept);
  EXPECT_GT(store().append("client", "after-purge", kT0 + 2000), kept) << "sequence numbers are never reused";
}

TEST_P(EventStoreContract, ConcurrentAppendsGetDistinctSequenceNumbers) {
  constexpr int kThreads = 6, kEach = 20;
  std::mutex m;
  std::set<std::int64_t> seqs;
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kEach; ++i) {
        auto s = store().append("user", std::to_string(t) + "-" + std::to_string(i), kT0);
        std::lock_guard lock(m);
        seqs.insert(s);
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(seqs.size(), static_cast<std::size_t>(kThreads * kEach));
  EXPECT_EQ(store().read_after(0, 1000).size(), static_cast<std::size_t>(kThreads * kEach));
}

}  // namespace gatehouse::cluster::testing
