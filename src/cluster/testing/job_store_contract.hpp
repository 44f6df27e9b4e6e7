#pragma once
// The contract every cluster::JobStore backend passes (STYLE C12). Include it in exactly one .cpp
// of a test binary and instantiate it once per backend (core/testing/store_contract.hpp).

#include <atomic>
#include <limits>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "cluster/job_store.hpp"
#include "core/testing/store_contract.hpp"

namespace gatehouse::cluster::testing {

using JobStoreBackend = contract::StoreBackend<JobStore>;

inline constexpr auto job_backend_name = &contract::backend_name<JobStore>;

class JobStoreContract : public contract::StoreContract<JobStore> {
 protected:
  static constexpr UnixMillis kT0 = 1'800'000'000'000;
  static constexpr UnixMillis kLease = 60'000;
  static constexpr UnixMillis kNever = std::numeric_limits<UnixMillis>::max();

  std::optional<JobInfo> job(const std::string& name) {
    for (auto& j : store().list())
      if (j.name == name) return j;
    return std::nullopt;
  }
};

TEST_P(JobStoreContract, EnsureCreatesAJobOnceAndKeepsItsSchedule) {
  store().ensure("purge", kT0, kNever);
  store().ensure("purge", kT0 + 999, kNever);  // a later node starting: no change
  store().ensure("rotate", kT0 + 5, kNever);
  auto all = store().list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "purge");
  EXPECT_EQ(all[0].next_run, kT0);
  EXPECT_EQ(all[0].lease_owner, "");
  EXPECT_EQ(all[1].name, "rotate");
}

TEST_P(JobStoreContract, EnsureBringsAJobForwardToItsDueByButNeverPushesItBack) {
  store().ensure("purge", kT0 + 300'000, kNever);          // scheduled with a long interval
  store().ensure("purge", kT0, kT0 + 20'000);              // a node with a 20 s interval starts
  EXPECT_EQ(job("purge")->next_run, kT0 + 20'000);
  store().ensure("purge", kT0 + 5, kT0 + 300'005);         // a node with the long one: no change
  EXPECT_EQ(job("purge")->next_run, kT0 + 20'000);
  store().ensure("keys", kT0 + 7, kT0 + 10);               // a new job: first_run, whatever due_by
  EXPECT_EQ(job("keys")->next_run, kT0 + 7);
}

TEST_P(JobStoreContract, AJobIsClaimedOnlyWhenDueAndThenByOneOwnerUntilItFinishes) {
  store().ensure("purge", kT0 + 100, kNever);
  EXPECT_FALSE(store().claim("purge", "a", kT0, kLease)) << "not due yet";
  EXPECT_FALSE(store().claim("nothing", "a", kT0 + 100, kLease)) << "no such job";
  auto claim = store().claim("purge", "a", kT0 + 100, kLease);
  ASSERT_TRUE(claim);
  EXPECT_FALSE(store().claim("purge", "b", kT0 + 200, kLease)) << "leased";
  EXPECT_EQ(job("purge")->lease_owner, "a");
  EXPECT_EQ(job("purge")->lease_expires, kT0 + 100 + kLease);
  auto runs = store().runs("", 10);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].id, claim->run_id);
  EXPECT_EQ(runs[0].job, "purge");
  EXPECT_EQ(runs[0].node_id, "a");
  EXPECT_EQ(runs[0].started_at, kT0 + 100);
  EXPECT_EQ(runs[0].outcome, "running");
  EXPECT_FALSE(runs[0].finished_at);

  EXPECT_FALSE(store().finish("purge", *claim, "b", kT0 + 300, kT0 + 1000, "ok", "")) << "not b's lease";
  EXPECT_TRUE(store().finish("purge", *claim, "a", kT0 + 300, kT0 + 1000, "ok", "deleted 12 rows"));
  EXPECT_EQ(job("purge")->lease_owner, "");
  EXPECT_EQ(job("purge")->next_run, kT0 + 1000);
  runs = store().runs("purge", 10);
  EXPECT_EQ(runs[0].outcome, "ok");
  EXPECT_EQ(runs[0].detail, "deleted 12 rows");
  EXPECT_EQ(runs[0].finished_at, kT0 + 300);
  EXPECT_FALSE(store().claim("purge", "b", kT0 + 999, kLease)) << "the next run is not due yet";
  EXPECT_TRUE(store().claim("purge", "b", kT0 + 1000, kLease));
}

TEST_P(JobStoreContract, AnExpiredLeaseIsTakenOverAndItsRunRecordedAsAbandoned) {
  store().ensure("rotate", kT0, kNever);
  auto first = store().claim("rotate", "dead", kT0, kLease);
  ASSERT_TRUE(first);
  EXPECT_FALSE(store().claim("rotate", "b", kT0 + kLease - 1, kLease));
  auto second = store().claim("rotate", "b", kT0 + kLease + 1, kLease);
  ASSERT_TRUE(second);
  EXPECT_FALSE(store().finish("rotate", *first, "dead", kT0 + kLease + 2, kT0 + 5000, "ok", "")) << "the old owner lost it";
  auto runs = store().runs("rotate", 10);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].id, second->run_id) << "most recent first";
  EXPECT_EQ(runs[0].outcome, "running");
  EXPECT_EQ(runs[1].outcome, "abandoned");
}

TEST_P(JobStoreContract, ReleasingAnOwnerFreesItsLeasesAtOnce) {
  store().ensure("a-job", kT0, kNever);
  store().ensure("b-job", kT0, kNever);
  ASSERT_TRUE(store().claim("a-job", "dead", kT0, kLease));
  ASSERT_TRUE(store().claim("b-job", "alive", kT0, kLease));
  EXPECT_EQ(store().release_owner("dead", kT0 + 10), 1u);
  EXPECT_EQ(job("a-job")->lease_owner, "");
  EXPECT_EQ(job("b-job")->lease_owner, "alive");
  EXPECT_TRUE(store().claim("a-job", "alive", kT0 + 11, kLease)) << "taken over before the lease expired";
  bool abandoned = false;
  for (const auto& r : store().runs("a-job", 10)) abandoned |= r.node_id == "dead" && r.outcome == "abandoned";
  EXPECT_TRUE(abandoned);
}

TEST_P(JobStoreContract, MakeDueForcesTheNextRun) {
  store().ensure("rotate", kT0 + 1'000'000, kNever);
  EXPECT_FALSE(store().claim("rotate", "a", kT0, kLease));
  EXPECT_TRUE(store().make_due("rotate", kT0));
  EXPECT_TRUE(store().claim("rotate", "a", kT0, kLease));
  EXPECT_FALSE(store().make_due("nothing", kT0));
}

TEST_P(JobStoreContract, OfNodesClaimingADueJobAtOnceExactlyOneGetsIt) {
  store().ensure("race", kT0, kNever);
  constexpr int kThreads = 8;
  std::atomic<int> claims{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      if (store().claim("race", "node-" + std::to_string(i), kT0, kLease)) claims.fetch_add(1);
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(claims.load(), 1);
  EXPECT_EQ(store().runs("race", 10).size(), 1u);
}

TEST_P(JobStoreContract, RunsAreListedNewestFirstFilteredAndPurged) {
  store().ensure("a", kT0, kNever);
  store().ensure("b", kT0, kNever);
  for (int i = 0; i < 3; ++i) {
    const UnixMillis t = kT0 + i * 100;
    auto ca = store().claim("a", "n", t, kLease);
    ASSERT_TRUE(ca);
    ASSERT_TRUE(store().finish("a", *ca, "n", t + 1, t + 100, i == 1 ? "failed" : "ok", i == 1 ? "store unreachable" : ""));
  }
  auto cb = store().claim("b", "n", kT0 + 50, kLease);
  ASSERT_TRUE(cb);
  EXPECT_EQ(store().runs("", 10).size(), 4u);
  auto a = store().runs("a", 10);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].started_at, kT0 + 200);
  EXPECT_EQ(a[1].outcome, "failed");
  EXPECT_EQ(a[1].detail, "store unreachable");
  EXPECT_EQ(store().runs("a", 2).size(), 2u);
  EXPECT_EQ(store().purge_runs(kT0 + 150, 100), 2u) << "finished runs started before the cutoff";
  EXPECT_EQ(store().runs("", 10).size(), 2u) << "the newest of a, and b's run that is still running";
}

}  // namespace gatehouse::cluster::testing
