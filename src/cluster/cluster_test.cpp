// Membership, the job runner and the event applier, on a real (in-memory SQLite) store with a
// clock the test moves; the applier's gap handling on a scripted event store.
#include <gtest/gtest.h>

#include "cluster/event_applier.hpp"
#include "cluster/job_runner.hpp"
#include "cluster/membership.hpp"
#include "cluster/purge.hpp"
#include "core/error.hpp"
#include "storage/sqlite/sqlite_backend.hpp"

namespace gatehouse::cluster {
namespace {

class ClusterTest : public ::testing::Test {
 protected:
  ClusterTest() : backend_(storage::sqlite::SqliteOptions{":memory:", 2}), clock_(1'800'000'000) { backend_.migrate(); }

  Membership member(const std::string& id, const std::string& version = "0.1.0") {
    return Membership(backend_.nodes(), backend_.jobs(), clock_,
                      MembershipOptions{id, "http://" + id + ":9011", version, "cfg", 30'000, 30'000});
  }
  std::optional<NodeRecord> find(const std::string& id) {
    for (auto& n : backend_.nodes().list())
      if (n.node_id == id) return n;
    return std::nullopt;
  }

  storage::sqlite::SqliteBackend backend_;
  FixedClock clock_;
};

TEST_F(ClusterTest, ASecondLiveNodeWithTheSameIdIsRefusedWithAClearMessage) {
  auto a = member("a");
  a.join("keys", 0);
  auto imposter = member("a");
  try {
    imposter.join("keys", 0);
    FAIL() << "joined";
  } catch (const StartupError& e) {
    EXPECT_NE(std::string(e.what()).find("belongs to a live node (http://a:9011"), std::string::npos) << e.what();
  }
  a.leave();
  EXPECT_NO_THROW(imposter.join("keys", 0)) << "a node that left frees its id at once";
}

TEST_F(ClusterTest, CheckInsCarryWhatOtherNodesNeedAndDriftIsReported) {
  auto a = member("a");
  auto b = member("b", "0.2.0");
  a.join("keys-1", 0);
  b.join("keys-1", 0);
  clock_.advance(5);
  ASSERT_TRUE(a.check_in("keys-2", 17));
  auto row = find("a");
  EXPECT_EQ(row->keyset, "keys-2");
  EXPECT_EQ(row->applied_event, 17);
  EXPECT_EQ(row->last_checkin, clock_.now_ms());
  EXPECT_EQ(a.last_checkin(), clock_.now_ms());
  auto view = a.view();
  ASSERT_EQ(view.nodes.size(), 2u);
  ASSERT_EQ(view.drift.size(), 2u);
  EXPECT_EQ(view.drift[0], "version differs: 0.1.0 on a; 0.2.0 on b");
  EXPECT_EQ(view.drift[1], "signing keys differs: keys-1 on b; keys-2 on a");
}

TEST_F(ClusterTest, SweepMarksSilentNodesRecoveringReleasesTheirJobsAndLaterRemovesThem) {
  auto a = member("a");
  auto dead = member("dead");
  a.join("k", 0);
  dead.join("k", 0);
  JobRunner dead_jobs(backend_.jobs(), clock_, "dead", 600'000);
  bool ran = false;
  dead_jobs.add({"purge", 60'000, [&]() -> std::string {
                   // The node dies while the job runs: its lease stays behind.
                   ran = true;
                   throw std::runtime_error("killed");
                 }});
  backend_.jobs().claim("purge", "dead", clock_.now_ms(), 600'000);  // a claim a dead node holds
  clock_.advance(31);
  ASSERT_TRUE(a.check_in("k", 0));
  EXPECT_EQ(a.sweep(), "1 node(s) marked recovering (1 job lease(s) released), 0 removed");
  EXPECT_EQ(find("dead")->state, NodeState::kRecovering);
  JobRunner jobs(backend_.jobs(), clock_, "a", 600'000);
  int purges = 0;
  jobs.add({"purge", 60'000, [&] { ++purges; return std::string("nothing to purge"); }});
  EXPECT_EQ(jobs.tick(), 1) << "the released job runs here at once, long before its lease would expire";
  EXPECT_EQ(purges, 1);
  clock_.advance(30);
  ASSERT_TRUE(a.check_in("k", 0));
  EXPECT_EQ(a.sweep(), "0 node(s) marked recovering (0 job lease(s) released), 1 removed");
  EXPECT_FALSE(find("dead"));
  EXPECT_FALSE(ran);
}

TEST_F(ClusterTest, ANodeDyingMidSweepDelaysTheNextSweepOnlyByTheInstanceTimeout) {
  // The sweep is what releases a dead node's leases, so its own lease must end by itself, at the
  // instance timeout, not the runner's default (10 minutes in a node).
  auto dying = member("dying");
  auto survivor = member("survivor");
  dying.join("k", 0);
  survivor.join("k", 0);
  auto sweep = dying.sweep_job(1'000);
  EXPECT_EQ(sweep.name, "cluster.sweep");
  EXPECT_EQ(sweep.lease, 30'000);
  JobRunner dying_jobs(backend_.jobs(), clock_, "dying", 600'000);
  UnixMillis lease_expires = 0;
  sweep.run = [&] {
    for (const auto& j : backend_.jobs().list())
      if (j.name == "cluster.sweep") lease_expires = j.lease_expires;
    return std::string("swept");
  };
  dying_jobs.add(sweep);
  EXPECT_EQ(dying_jobs.tick(), 1);
  EXPECT_EQ(lease_expires, clock_.now_ms() + 30'000) << "the job's own lease, not the runner's";

  // "dying" claims the next sweep as its runner does (above) and dies mid-run: the lease is left.
  clock_.advance(1);
  ASSERT_TRUE(backend_.jobs().claim("cluster.sweep", "dying", clock_.now_ms(), sweep.lease));
  JobRunner survivor_jobs(backend_.jobs(), clock_, "survivor", 600'000);
  survivor_jobs.add(survivor.sweep_job(1'000));
  clock_.advance(29);
  ASSERT_TRUE(survivor.check_in("k", 0));
  EXPECT_EQ(survivor_jobs.tick(), 0) << "still leased";
  clock_.advance(2);
  ASSERT_TRUE(survivor.check_in("k", 0));
  EXPECT_EQ(survivor_jobs.tick(), 1) << "the sweep moved to a live node";
  EXPECT_EQ(find("dying")->state, NodeState::kRecovering);
  EXPECT_EQ(backend_.jobs().runs("cluster.sweep", 10)[1].outcome, "abandoned");
}

TEST_F(ClusterTest, ANodeRestartedWithItsIdReleasesTheLeasesItsEarlierProcessLeftBehind) {
  auto first = member("a");
  first.join("k", 0);
  JobRunner first_jobs(backend_.jobs(), clock_, "a", 600'000);
  first_jobs.add({"purge", 60'000, [] { return std::string("purged"); }});
  ASSERT_TRUE(backend_.jobs().claim("purge", "a", clock_.now_ms(), 600'000));  // killed mid-run
  clock_.advance(31);
  auto restarted = member("a");
  restarted.join("k", 0);
  JobRunner jobs(backend_.jobs(), clock_, "a", 600'000);
  int purges = 0;
  jobs.add({"purge", 60'000, [&] { ++purges; return std::string("purged"); }});
  EXPECT_EQ(jobs.tick(), 1) << "runs at once, not when the dead process's lease ends";
  EXPECT_EQ(purges, 1);
  const auto history = backend_.jobs().runs("purge", 10);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].outcome, "ok");
  EXPECT_EQ(history[1].outcome, "abandoned");
}

TEST_F(ClusterTest, AJobRunsOnceAcrossNodesAndItsOutcomeIsRecorded) {
  JobRunner a(backend_.jobs(), clock_, "a", 60'000);
  JobRunner b(backend_.jobs(), clock_, "b", 60'000);
  int runs = 0;
  for (auto* r : {&a, &b}) r->add({"rotate", 10'000, [&] { ++runs; return std::string("rotated"); }});
  EXPECT_EQ(a.tick() + b.tick(), 1);
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(a.tick() + b.tick(), 0) << "not due again yet";
  clock_.advance(10);
  EXPECT_EQ(b.tick() + a.tick(), 1);
  auto history = backend_.jobs().runs("rotate", 10);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].outcome, "ok");
  EXPECT_EQ(history[0].detail, "rotated");

  JobRunner failing(backend_.jobs(), clock_, "c", 60'000);
  failing.add({"broken", 10'000, []() -> std::string { throw std::runtime_error("store unreachable"); }});
  EXPECT_EQ(failing.tick(), 1);
  auto broken = backend_.jobs().runs("broken", 1);
  EXPECT_EQ(broken[0].outcome, "failed");
  EXPECT_EQ(broken[0].detail, "store unreachable");
}

/// Events the test makes visible one by one, as concurrent transactions commit.
class ScriptedEvents final : public EventStore {
 public:
  std::vector<ClusterEvent> visible;
  std::int64_t latest_seq() override { return visible.empty() ? 0 : visible.back().seq; }
  std::vector<ClusterEvent> read_after(std::int64_t after, std::size_t limit) override {
    std::vector<ClusterEvent> out;
    auto sorted = visible;
    std::sort(sorted.begin(), sorted.end(), [](auto& x, auto& y) { return x.seq < y.seq; });
    for (auto& e : sorted)
      if (e.seq > after && out.size() < limit) out.push_back(e);
    return out;
  }
  std::int64_t append(const std::string&, const std::string&, UnixMillis) override { return 0; }
  std::size_t purge_before(UnixMillis, std::size_t) override { return 0; }
};

TEST(EventApplierTest, AnEventCommittedLateBehindALaterOneIsStillAppliedExactlyOnce) {
  ScriptedEvents events;
  FixedClock clock(1'800'000'000);
  std::vector<std::int64_t> applied;
  EventApplier applier(events, clock, [&](const ClusterEvent& e) { applied.push_back(e.seq); }, 10'000);
  applier.start_from_latest();
  events.visible = {{1, "client", "a", 0}, {3, "client", "c", 0}};  // 2 is still in flight
  EXPECT_EQ(applier.poll(), 2u);
  EXPECT_EQ(applier.watermark(), 1) << "held below the gap";
  EXPECT_EQ(applier.poll(), 0u) << "3 is not applied twice";
  events.visible.push_back({2, "key", "k", 0});
  EXPECT_EQ(applier.poll(), 1u);
  EXPECT_EQ(applier.watermark(), 3);
  EXPECT_EQ(applied, (std::vector<std::int64_t>{1, 3, 2}));
}

TEST(EventApplierTest, AGapThatNeverFillsIsGivenUpAfterTheTimeout) {
  ScriptedEvents events;
  FixedClock clock(1'800'000'000);
  int applied = 0;
  EventApplier applier(events, clock, [&](const ClusterEvent&) { ++applied; }, 10'000);
  applier.start_from_latest();
  events.visible = {{2, "client", "b", 0}};  // 1 was rolled back
  applier.poll();
  EXPECT_EQ(applier.watermark(), 0);
  clock.advance(11);
  applier.poll();
  EXPECT_EQ(applier.watermark(), 2);
  EXPECT_EQ(applied, 1);
}

TEST(EventApplierTest, StartsAfterTheLatestEventAndAppliesOnlyNewOnes) {
  ScriptedEvents events;
  FixedClock clock(1'800'000'000);
  int applied = 0;
  events.visible = {{1, "client", "old", 0}, {2, "client", "old", 0}};
  EventApplier applier(events, clock, [&](const ClusterEvent&) { ++applied; });
  applier.start_from_latest();
  EXPECT_EQ(applier.poll(), 0u);
  events.visible.push_back({3, "client", "new", 0});
  EXPECT_EQ(applier.poll(), 1u);
  EXPECT_EQ(applied, 1);
}

TEST(PurgeJobTest, EachTargetIsPurgedInBatchesUntilABatchComesBackShortAndTheSummaryNamesWhatWent) {
  std::size_t codes = 2500, sessions = 0;
  std::vector<std::size_t> code_batches;
  auto take = [](std::size_t& left, std::size_t limit) {
    const auto n = std::min(left, limit);
    left -= n;
    return n;
  };
  std::vector<PurgeTarget> targets{
      {"authorization codes", [&](std::size_t limit) { code_batches.push_back(limit); return take(codes, limit); }},
      {"SSO sessions", [&](std::size_t limit) { return take(sessions, limit); }}};
  EXPECT_EQ(purge_in_batches(targets, 1000), "purged 2500 authorization codes");
  EXPECT_EQ(codes, 0u);
  EXPECT_EQ(code_batches, (std::vector<std::size_t>{1000, 1000, 1000}));  // the third came back short
  EXPECT_EQ(purge_in_batches(targets, 1000), "nothing expired");
  auto job = purge_job([&] { return targets; }, 300'000);
  EXPECT_EQ(job.name, "purge.expired");
  EXPECT_EQ(job.interval, 300'000);
  sessions = 3;
  EXPECT_EQ(job.run(), "purged 3 SSO sessions");
}

// The refresh-token target covers three tables (tokens, access-token records, revoked grants) and
// returns the sum: a batch of 1,000 + 300 is not "short", the tokens may have more.
TEST(PurgeJobTest, ATargetOverSeveralTablesGoesOnWhileAnyOfThemFilledItsBatch) {
  std::size_t tokens = 2500, records = 300;
  auto take = [](std::size_t& left, std::size_t limit) {
    const auto n = std::min(left, limit);
    left -= n;
    return n;
  };
  std::vector<PurgeTarget> targets{
      {"refresh tokens", [&](std::size_t limit) { return take(tokens, limit) + take(records, limit); }}};
  EXPECT_EQ(purge_in_batches(targets, 1000), "purged 2800 refresh tokens");
  EXPECT_EQ(tokens, 0u);
  EXPECT_EQ(records, 0u);
  EXPECT_EQ(purge_in_batches(targets, 0), "nothing expired") << "a batch of 0 purges nothing and returns";
}

}  // namespace
}  // namespace gatehouse::cluster
