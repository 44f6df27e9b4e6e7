#pragma once
// The contract every cluster::NodeStore backend passes (STYLE C12). Include it in exactly one .cpp
// of a test binary and instantiate it once per backend (core/testing/store_contract.hpp).

#include <algorithm>
#include <atomic>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "cluster/node_store.hpp"
#include "core/testing/store_contract.hpp"

namespace gatehouse::cluster::testing {

using NodeStoreBackend = contract::StoreBackend<NodeStore>;

inline constexpr auto backend_name = &contract::backend_name<NodeStore>;

class NodeStoreContract : public contract::StoreContract<NodeStore> {
 protected:
  static constexpr UnixMillis kT0 = 1'800'000'000'000;
  static constexpr UnixMillis kLive = 30'000;

  static NodeRecord node(const std::string& id, const std::string& instance, UnixMillis at = kT0) {
    NodeRecord n;
    n.node_id = id;
    n.instance = instance;
    n.url = "http://10.0.0.1:9011/" + id;
    n.version = "0.1.0";
    n.started_at = at;
    n.last_checkin = at;
    n.config_hash = "cfg-" + id;
    n.keyset = "keys-1";
    n.applied_event = 7;
    return n;
  }

  std::optional<NodeRecord> find(const std::string& id) {
    for (auto& n : store().list())
      if (n.node_id == id) return n;
    return std::nullopt;
  }
};

TEST_P(NodeStoreContract, AJoinedNodeIsListedWithEveryField) {
  const auto a = node("a", "i-1");
  ASSERT_TRUE(store().join(a, kLive).joined);
  auto found = find("a");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->instance, "i-1");
  EXPECT_EQ(found->url, a.url);
  EXPECT_EQ(found->version, "0.1.0");
  EXPECT_EQ(found->state, NodeState::kUp);
  EXPECT_EQ(found->started_at, kT0);
  EXPECT_EQ(found->last_checkin, kT0);
  EXPECT_EQ(found->config_hash, "cfg-a");
  EXPECT_EQ(found->keyset, "keys-1");
  EXPECT_EQ(found->applied_event, 7);
}

TEST_P(NodeStoreContract, ListIsOrderedById) {
  for (const char* id : {"c", "a", "b"}) ASSERT_TRUE(store().join(node(id, std::string("i-") + id), kLive).joined);
  auto all = store().list();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].node_id, "a");
  EXPECT_EQ(all[1].node_id, "b");
  EXPECT_EQ(all[2].node_id, "c");
}

TEST_P(NodeStoreContract, AnIdHeldByALiveInstanceIsRefusedWithItsHolder) {
  ASSERT_TRUE(store().join(node("a", "i-1"), kLive).joined);
  auto second = store().join(node("a", "i-2", kT0 + 1000), kLive);
  EXPECT_FALSE(second.joined);
  ASSERT_TRUE(second.holder);
  EXPECT_EQ(second.holder->instance, "i-1");
  EXPECT_EQ(find("a")->instance, "i-1") << "the live holder keeps its row";
}

TEST_P(NodeStoreContract, AnIdIsFreeAgainOnceItsHolderLeftOrWentSilent) {
  ASSERT_TRUE(store().join(node("a", "i-1"), kLive).joined);
  store().leave("a", "i-1", kT0 + 10);
  EXPECT_EQ(find("a")->state, NodeState::kLeft);
  EXPECT_TRUE(store().join(node("a", "i-2", kT0 + 20), kLive).joined) << "left";
  EXPECT_EQ(find("a")->instance, "i-2");
  EXPECT_EQ(find("a")->state, NodeState::kUp);
  EXPECT_TRUE(store().join(node("a", "i-3", kT0 + 20 + kLive + 1), kLive).joined) << "silent for longer than the window";
  EXPECT_EQ(find("a")->instance, "i-3");
}

TEST_P(NodeStoreContract, CheckInRefreshesTheRowOfItsOwnInstanceOnly) {
  ASSERT_TRUE(store().join(node("a", "i-1"), kLive).joined);
  auto later = node("a", "i-1");
  later.last_checkin = kT0 + 5000;
  later.applied_event = 42;
  later.keyset = "keys-2";
  later.config_hash = "cfg-2";
  EXPECT_TRUE(store().check_in(later));
  auto found = find("a");
  EXPECT_EQ(found->last_checkin, kT0 + 5000);
  EXPECT_EQ(found->applied_event, 42);
  EXPECT_EQ(found->keyset, "keys-2");
  EXPECT_EQ(found->config_hash, "cfg-2");
  EXPECT_EQ(found->started_at, kT0) << "started_at stays";
  EXPECT_FALSE(store().check_in(node("a", "i-other"))) << "another instance";
  EXPECT_FALSE(store().check_in(node("nobody", "i-1"))) << "no row";
}

TEST_P(NodeStoreContract, SilentUpNodesBecomeRecoveringAndACheckInRevivesThem) {
  ASSERT_TRUE(store().join(node("old", "i-1", kT0), kLive).joined);
  ASSERT_TRUE(store().join(node("fresh", "i-2", kT0 + 20'000), kLive).joined);
  auto marked = store().mark_recovering(kT0 + 10'000);
  ASSERT_EQ(marked.size(), 1u);
  EXPECT_EQ(marked[0].node_id, "old");
  EXPECT_EQ(find("old")->state, NodeState::kRecovering);
  EXPECT_EQ(find("fresh")->state, NodeState::kUp);
  EXPECT_TRUE(store().mark_recovering(kT0 + 10'000).empty()) << "already recovering";
  auto back = node("old", "i-1");
  back.last_checkin = kT0 + 30'000;
  EXPECT_TRUE(store().check_in(back));
  EXPECT_EQ(find("old")->state, NodeState::kUp);
}

TEST_P(NodeStoreContract, RemoveDeadDeletesOnlyRecoveringAndLeftRowsOlderThanTheCutoff) {
  ASSERT_TRUE(store().join(node("up", "i-1", kT0), kLive).joined);
  ASSERT_TRUE(store().join(node("rec", "i-2", kT0), kLive).joined);
  ASSERT_TRUE(store().join(node("left", "i-3", kT0), kLive).joined);
  ASSERT_TRUE(store().join(node("recent", "i-4", kT0 + 50'000), kLive).joined);
  store().mark_recovering(kT0 + 1);
  store().leave("left", "i-3", kT0 + 2);
  ASSERT_EQ(find("up")->state, NodeState::kRecovering);  // silent too
  auto up = node("up", "i-1");
  up.last_checkin = kT0 + 60'000;
  ASSERT_TRUE(store().check_in(up));
  auto removed = store().remove_dead(kT0 + 40'000);
  std::vector<std::string> ids;
  for (const auto& n : removed) ids.push_back(n.node_id);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"left", "rec"}));
  EXPECT_TRUE(find("up"));
  EXPECT_TRUE(find("recent"));
  EXPECT_FALSE(find("rec"));
  EXPECT_TRUE(store().remove_dead(kT0 + 40'000).empty());
}

TEST_P(NodeStoreContract, OfInstancesJoiningWithOneIdAtOnceExactlyOneJoins) {
  constexpr int kThreads = 6;
  std::atomic<int> joined{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      if (store().join(node("same", "i-" + std::to_string(i)), kLive).joined) joined.fetch_add(1);
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(joined.load(), 1);
}

TEST_P(NodeStoreContract, OfNodesMarkingOneSilentNodeEachRowGoesToExactlyOneCaller) {
  ASSERT_TRUE(store().join(node("dead", "i-1", kT0), kLive).joined);
  constexpr int kThreads = 6;
  std::atomic<int> marked{0}, removed{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&] {
      start.arrive_and_wait();
      marked.fetch_add(static_cast<int>(store().mark_recovering(kT0 + 1).size()));
      removed.fetch_add(static_cast<int>(store().remove_dead(kT0 + 1).size()));
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(marked.load(), 1);
  EXPECT_EQ(removed.load(), 1);
}

}  // namespace gatehouse::cluster::testing
