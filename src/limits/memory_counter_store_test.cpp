// limits::MemoryCounterStore: the CounterStore contract (and the RateLimiter on it), and the sweep
// that keeps only the live windows in memory.
#include "limits/memory_counter_store.hpp"

#include "limits/testing/counter_store_contract.hpp"

namespace gatehouse::limits {
namespace {

using testing::CounterStoreBackend;
using testing::CounterStoreContract;

INSTANTIATE_TEST_SUITE_P(Memory, CounterStoreContract,
                         ::testing::Values(CounterStoreBackend{"Memory", [] { return std::make_shared<MemoryCounterStore>(); }}),
                         testing::counter_backend_name);

TEST(MemoryCounterStore, HitsDropTheWindowsThatEndedLongAgoAndKeepTheLiveOnes) {
  MemoryCounterStore store;
  constexpr UnixSeconds kNow = 1'800'000'000;
  for (int i = 0; i < 1000; ++i) store.hit("old:" + std::to_string(i), kNow - 2 * MemoryCounterStore::kLongestWindow);
  store.hit("live", kNow + 60);
  for (int i = 0; i < 5000; ++i) store.hit("busy", kNow + 60);
  EXPECT_EQ(store.hits("old:0"), 0) << "swept without waiting for the purge job";
  EXPECT_EQ(store.hits("old:999"), 0);
  EXPECT_EQ(store.hits("live"), 1);
  EXPECT_EQ(store.hits("busy"), 5000);
  EXPECT_EQ(store.purge_expired(kNow + 61, 10), 2u) << "only the live ones were left";
}

}  // namespace
}  // namespace gatehouse::limits
