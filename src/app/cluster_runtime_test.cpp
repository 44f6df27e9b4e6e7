#include "app/cluster_runtime.hpp"

#include <chrono>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "storage/postgres/test_backends.hpp"
#include "storage/sqlite/sqlite_backend.hpp"

namespace gatehouse::app {
namespace {

// A node loads its keys and fills its caches before it starts; start() then reads events only after
// the latest one. An event written in between (another node publishing its next key) must not be
// lost: start() resyncs once, after the watermark is set, so the resync sees everything below it.
TEST(ClusterRuntime, ResyncsOnceAfterTheWatermarkSoAnEventBeforeStartIsNotLost) {
  storage::sqlite::SqliteBackend store(storage::sqlite::SqliteOptions{":memory:", 2});
  store.migrate();
  SystemClock clock;
  ClusterRuntimeOptions o;
  o.membership.node_id = "node-a";
  o.membership.version = "test";
  int resyncs = 0;
  std::int64_t latest_seen_by_resync = -1;
  std::unique_ptr<ClusterRuntime> runtime;
  o.resync = [&] {
    ++resyncs;
    latest_seen_by_resync = store.events().latest_seq();
    EXPECT_EQ(runtime->events().watermark(), latest_seen_by_resync) << "the watermark is set before the resync";
  };
  runtime = std::make_unique<ClusterRuntime>(store, clock, o, [](const cluster::ClusterEvent&) {},
                                             [] { return std::string("keys"); });
  // The event the node would miss: written after its keys were loaded, before it started.
  const auto missed = store.events().append("key", "next", clock.now_ms());
  runtime->start();
  runtime->stop();
  EXPECT_EQ(resyncs, 1);
  EXPECT_GE(latest_seen_by_resync, missed) << "the resync ran after the event, so it reloaded what it changed";
}

namespace pg = storage::postgres;

/// true (the test skipped, or failed when a server is required) without a PostgreSQL server.
bool without_postgres() {
  if (!pg::test::server_url().empty()) return false;
  if (const char* required = std::getenv("GATEHOUSE_TEST_POSTGRES_REQUIRED"); required && std::string(required) == "1") {
    ADD_FAILURE() << "GATEHOUSE_TEST_POSTGRES_REQUIRED=1 but GATEHOUSE_TEST_POSTGRES_URL is not set";
  } else {
    [] { GTEST_SKIP() << "GATEHOUSE_TEST_POSTGRES_URL is not set"; }();
  }
  return true;
}

constexpr storage::Query kTerminateNamed{"rt_terminate_named",
    "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE application_name = $1"};

// After a failover the node's connections are lost, and the new primary may lack the newest events
// (asynchronous replication) and number new ones from below what the node applied. The node then
// reads everything cached again and moves its watermark back, so the next event is not skipped.
TEST(ClusterRuntime, AfterALostConnectionCatchesUpAndAppliesEventsNumberedAgainFromBelow) {
  if (without_postgres()) return;
  const std::string name = "gh_rt_" + pg::test::fresh_schema_name();
  auto open = pg::test::open_backend(
      true, pg::PostgresOptions{.url = DatabaseUrl(pg::test::server_url_with("application_name=" + name)), .pool_size = 2});
  auto& store = *open->backend;
  SystemClock clock;
  for (int i = 0; i < 3; ++i) store.events().append("client", "before-" + std::to_string(i), clock.now_ms());

  std::mutex mutex;
  std::vector<std::string> applied;
  std::atomic<int> resyncs{0};
  ClusterRuntimeOptions o;
  o.membership.node_id = "node-rt";
  o.membership.version = "test";
  o.event_poll_interval = 50;
  o.resync = [&] { ++resyncs; };
  ClusterRuntime runtime(
      store, clock, o,
      [&](const cluster::ClusterEvent& e) {
        std::lock_guard lock(mutex);
        applied.push_back(e.key);
      },
      [] { return std::string("keys"); });
  runtime.start();
  ASSERT_EQ(runtime.events().watermark(), 3);
  ASSERT_EQ(resyncs.load(), 1);

  // The "failover": the events are gone and numbering starts again; every connection is ended.
  auto admin = pg::test::raw_connection(open->schema);
  admin->exec_script("lose the events", "DELETE FROM cluster_events; ALTER TABLE cluster_events ALTER COLUMN seq RESTART WITH 1");
  admin->execute(kTerminateNamed, pg::Params().text(name));
  const auto caught_up = [&](std::chrono::seconds within) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < deadline && runtime.catch_ups() == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling the condition
    return runtime.catch_ups() > 0;
  };
  ASSERT_TRUE(caught_up(std::chrono::seconds(10))) << "the lost connections were noticed";
  EXPECT_GE(resyncs.load(), 2) << "everything cached is read again";
  EXPECT_LT(runtime.events().watermark(), 3) << "the watermark follows the store back";

  store.events().append("client", "after-failover", clock.now_ms());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool seen = false;
  while (!seen && std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(mutex);
      seen = std::find(applied.begin(), applied.end(), "after-failover") != applied.end();
    }
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling the condition
  }
  EXPECT_TRUE(seen) << "an event numbered below the old watermark is applied";
  runtime.stop();
}

constexpr storage::Query kListening{"rt_listening",
    "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND query = 'LISTEN gatehouse_events'"};

// The listener's connection is lost too: it listens again on a new one, so a change made after
// that wakes the node at once (here the node never polls on its own: only a notification can).
TEST(ClusterRuntime, AfterALostConnectionListensAgainAndHearsTheNextChange) {
  if (without_postgres()) return;
  const std::string name = "gh_rl_" + pg::test::fresh_schema_name();
  auto open = pg::test::open_backend(
      true, pg::PostgresOptions{.url = DatabaseUrl(pg::test::server_url_with("application_name=" + name)), .pool_size = 2});
  auto& store = *open->backend;
  SystemClock clock;
  std::atomic<int> applied{0};
  ClusterRuntimeOptions o;
  o.membership.node_id = "node-rl";
  o.membership.version = "test";
  o.event_poll_interval = 600000;
  o.checkin_interval = 600000;
  ClusterRuntime runtime(store, clock, o, [&](const cluster::ClusterEvent&) { ++applied; },
                         [] { return std::string("keys"); });
  runtime.start();
  auto admin = pg::test::raw_connection(open->schema);
  const auto poll = [](const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling the condition
    return done();
  };
  const auto listening = [&] { return admin->execute(kListening, pg::Params().text(name)).row(0).int8(0) == 1; };
  ASSERT_TRUE(poll(listening));
  store.events().append("client", "first", clock.now_ms());
  ASSERT_TRUE(poll([&] { return applied.load() == 1; })) << "a notification wakes the node";

  admin->execute(kTerminateNamed, pg::Params().text(name));
  ASSERT_TRUE(poll([&] { return runtime.catch_ups() > 0; })) << "the listener's loss is noticed";
  ASSERT_TRUE(poll(listening)) << "LISTEN is issued again on a new connection";
  store.events().append("client", "second", clock.now_ms());
  EXPECT_TRUE(poll([&] { return applied.load() == 2; })) << "the next change is heard";
  runtime.stop();
}

/// The system clock moved by a fixed offset: a node whose NTP is broken.
class OffsetClock final : public Clock {
 public:
  explicit OffsetClock(UnixMillis offset) : offset_(offset) {}
  UnixSeconds now() const override { return now_ms() / 1000; }
  UnixMillis now_ms() const override { return system_.now_ms() + offset_; }

 private:
  SystemClock system_;
  UnixMillis offset_;
};

// A node 90 s ahead of the database: it says so (status, nodes view), and it runs no jobs, which
// with its clock would run early and sweep live nodes as dead. Within the limit, it runs them.
TEST(ClusterRuntime, ANodeWhoseClockIsFarFromTheDatabasesIsOutOfStepAndRunsNoJobs) {
  if (without_postgres()) return;
  auto open = pg::test::open_backend();
  auto& store = *open->backend;
  for (const UnixMillis offset : {UnixMillis{0}, UnixMillis{90'000}}) {
    SCOPED_TRACE(offset);
    OffsetClock clock(offset);
    std::atomic<int> runs{0};
    ClusterRuntimeOptions o;
    o.membership.node_id = offset == 0 ? "node-right" : "node-ahead";
    o.membership.version = "test";
    o.membership.max_clock_skew = 5'000;
    ClusterRuntime runtime(store, clock, o, [](const cluster::ClusterEvent&) {}, [] { return std::string("keys"); });
    runtime.add_job({"test.count", 60'000, [&] {
                       ++runs;
                       return std::string("counted");
                     }});
    runtime.start();
    const auto skew = runtime.membership().clock_skew();
    ASSERT_TRUE(skew.has_value()) << "measured when joining";
    EXPECT_NEAR(static_cast<double>(*skew), static_cast<double>(offset), 2'000.0);
    EXPECT_EQ(runtime.membership().clock_off().has_value(), offset != 0);
    const auto row = [&] {
      for (const auto& n : store.nodes().list())
        if (n.node_id == o.membership.node_id) return n;
      return cluster::NodeRecord{};
    }();
    ASSERT_TRUE(row.clock_skew_ms.has_value()) << "recorded for /api/system/nodes";
    EXPECT_NEAR(static_cast<double>(*row.clock_skew_ms), static_cast<double>(offset), 2'000.0);
    if (offset == 0) {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (runs.load() == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling the condition
      EXPECT_EQ(runs.load(), 1) << "a node with a right clock runs its due job";
    } else {
      // The job is due again in 60 s, which this clock says is past: a runner that ticked would
      // have run it within its first second.
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // an absence cannot be polled for
      EXPECT_EQ(runs.load(), 0) << "a node with a wrong clock runs no job";
    }
    runtime.stop();
  }
}

}  // namespace
}  // namespace gatehouse::app
