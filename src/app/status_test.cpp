#include "app/status.hpp"

#include <gtest/gtest.h>

namespace gatehouse::app {
namespace {

StatusProbe probe(bool draining, bool store, bool in_step, bool* probed = nullptr) {
  return StatusProbe{draining,
                     [=] {
                       if (probed) *probed = true;
                       return store;
                     },
                     [=] { return in_step; }, "1.2.3", "node-a"};
}

TEST(Status, OkWhenTheStoreAnswersAndEventsAreRead) {
  auto r = status_response(probe(false, true, true));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ok","version":"1.2.3","node_id":"node-a"})");
  EXPECT_EQ(*r.header("Cache-Control"), "no-store");
}

TEST(Status, UnavailableWhenTheStoreDoesNotAnswer) {
  auto r = status_response(probe(false, false, true));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, R"({"status":"unavailable","node_id":"node-a"})");
}

TEST(Status, OutOfStepWhenClusterEventsCouldNotBeReadForTooLong) {
  auto r = status_response(probe(false, true, false));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, R"({"status":"out_of_step","node_id":"node-a"})");
}

TEST(Status, ClockSkewWhenThisNodesClockIsTooFarFromTheDatabases) {
  auto p = probe(false, true, true);
  p.clock_off = [] { return std::optional<std::int64_t>(90'012); };
  auto r = status_response(p);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, R"({"status":"clock_skew","clock_skew_ms":90012,"node_id":"node-a"})");
  p.clock_off = [] { return std::optional<std::int64_t>(); };
  EXPECT_EQ(status_response(p).status, 200) << "a clock within the limit is fine";
}

TEST(Status, DrainingWinsAndDoesNotProbeTheStore) {
  bool probed = false;
  auto r = status_response(probe(true, true, true, &probed));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, R"({"status":"draining","node_id":"node-a"})");
  EXPECT_FALSE(probed);
}

}  // namespace
}  // namespace gatehouse::app
