#include "core/reloading_snapshot.hpp"

#include <sstream>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

namespace gatehouse {
namespace {

using namespace std::chrono_literals;

/// A build function over a value the test edits, counting its calls; it throws while `fail` is set
/// and runs `during` (if any) in the middle of the build.
struct Source {
  int value = 1;
  bool fail = false;
  int builds = 0;
  std::function<void()> during;

  ReloadingSnapshot<int>::Build build() {
    return [this] {
      ++builds;
      if (during) during();
      if (fail) throw std::runtime_error("store down");
      return value;
    };
  }
};

/// Sends spdlog's default logger to a string for the test's lifetime.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    sink->set_pattern("%v");
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", sink));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST(ReloadingSnapshot, TheFirstLoadHappensOnTheFirstCallAndIsSharedWithinTheTtl) {
  Source source;
  FixedClock clock(1000);
  ReloadingSnapshot<int> snapshot(source.build(), 60s, clock, "test", "thing");
  EXPECT_EQ(source.builds, 0) << "nothing is built before the first call";
  const auto first = snapshot.current();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(*first, 1);
  EXPECT_EQ(source.builds, 1);

  source.value = 2;
  clock.advance(59);
  const auto again = snapshot.current();
  EXPECT_EQ(again.get(), first.get()) << "the same snapshot within the ttl";
  EXPECT_EQ(source.builds, 1);
}

TEST(ReloadingSnapshot, TheTtlRebuilds) {
  Source source;
  FixedClock clock(1000);
  ReloadingSnapshot<int> snapshot(source.build(), 60s, clock, "test", "thing");
  const auto first = snapshot.current();
  source.value = 2;
  clock.advance(60);
  EXPECT_EQ(*snapshot.current(), 2) << "a change nobody announced is seen after the ttl";
  EXPECT_EQ(source.builds, 2);
  EXPECT_EQ(*first, 1) << "a snapshot already handed out stays as it was";
  clock.advance(59);
  EXPECT_EQ(*snapshot.current(), 2);
  EXPECT_EQ(source.builds, 2) << "the ttl counts from the reload";
}

TEST(ReloadingSnapshot, InvalidateMakesTheNextCallRebuild) {
  Source source;
  FixedClock clock(1000);
  ReloadingSnapshot<int> snapshot(source.build(), 60s, clock, "test", "thing");
  snapshot.invalidate();  // before the first load: nothing to mark
  EXPECT_EQ(*snapshot.current(), 1);
  source.value = 2;
  snapshot.invalidate();
  EXPECT_EQ(source.builds, 1) << "invalidate() itself does not build";
  EXPECT_EQ(*snapshot.current(), 2);
  EXPECT_EQ(source.builds, 2);
  EXPECT_EQ(*snapshot.current(), 2);
  EXPECT_EQ(source.builds, 2) << "one invalidate(), one rebuild";
}

TEST(ReloadingSnapshot, OtherCallsDuringAReloadServeThePreviousSnapshot) {
  Source source;
  FixedClock clock(1000);
  ReloadingSnapshot<int> snapshot(source.build(), 60s, clock, "test", "thing");
  snapshot.current();
  std::vector<int> seen_during;
  source.during = [&] { seen_during.push_back(*snapshot.current()); };  // a caller while the reload runs
  source.value = 2;
  snapshot.invalidate();
  EXPECT_EQ(*snapshot.current(), 2);
  EXPECT_EQ(seen_during, std::vector<int>{1}) << "the other caller got the old snapshot without building";
  EXPECT_EQ(source.builds, 2);
}

TEST(ReloadingSnapshot, AnInvalidateDuringAReloadIsCarriedOver) {
  Source source;
  FixedClock clock(1000);
  ReloadingSnapshot<int> snapshot(source.build(), 60s, clock, "test", "thing");
  snapshot.current();
  source.during = [&] {
    if (source.builds != 2) return;
    source.value = 3;       // a change after the reload read the store...
    snapshot.invalidate();  // ...and its event, while the reload still runs
  };
  source.value = 2;
  snapshot.invalidate();
  snapshot.current();
  EXPECT_EQ(source.builds, 2);
  EXPECT_EQ(*snapshot.current(), 3) << "the invalidation during the reload makes the next call rebuild";
  EXPECT_EQ(source.builds, 3);
  EXPECT_EQ(*snapshot.current(), 3);
  EXPECT_EQ(source.builds, 3);
}

TEST(ReloadingSnapshot, AFailedReloadServesThePreviousSnapshotAndRetriesASecondLater) {
  Source source;
  FixedClock clock(1000);
  ReloadingSnapshot<int> snapshot(source.build(), 60s, clock, "test", "thing registry");
  const auto first = snapshot.current();
  CapturedLog log;
  source.fail = true;
  source.value = 2;
  snapshot.invalidate();
  EXPECT_EQ(snapshot.current().get(), first.get()) << "the previous snapshot is served";
  EXPECT_EQ(source.builds, 2);
  EXPECT_NE(log.text().find("test: reloading the thing registry failed (store down); serving the previous one"),
            std::string::npos)
      << log.text();
  EXPECT_EQ(snapshot.current().get(), first.get());
  EXPECT_EQ(source.builds, 2) << "no retry within the same second";

  clock.advance(ReloadingSnapshot<int>::kRetryAfterFailure);
  EXPECT_EQ(snapshot.current().get(), first.get()) << "the retry fails too";
  EXPECT_EQ(source.builds, 3) << "retried after the delay, long before the ttl";
  clock.advance(ReloadingSnapshot<int>::kRetryAfterFailure);
  source.fail = false;
  EXPECT_EQ(*snapshot.current(), 2) << "the next attempt loads the change";
  EXPECT_EQ(source.builds, 4);
  EXPECT_EQ(*snapshot.current(), 2);
  EXPECT_EQ(source.builds, 4) << "a successful reload is not due again";
}

TEST(ReloadingSnapshot, AFailedFirstLoadThrowsAndTheNextCallTriesAgain) {
  Source source;
  FixedClock clock(1000);
  ReloadingSnapshot<int> snapshot(source.build(), 60s, clock, "test", "thing");
  source.fail = true;
  EXPECT_THROW(snapshot.current(), std::runtime_error) << "no previous snapshot: the failure is the caller's";
  EXPECT_THROW(snapshot.current(), std::runtime_error) << "no retry delay without a snapshot to serve";
  EXPECT_EQ(source.builds, 2);
  source.fail = false;
  EXPECT_EQ(*snapshot.current(), 1);
  EXPECT_EQ(source.builds, 3);
}

}  // namespace
}  // namespace gatehouse
