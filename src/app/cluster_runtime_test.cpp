#include "app/cluster_runtime.hpp"

#include <gtest/gtest.h>

#include "core/clock.hpp"
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

}  // namespace
}  // namespace gatehouse::app
