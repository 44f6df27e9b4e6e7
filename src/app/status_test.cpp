#include "app/status.hpp"

#include <gtest/gtest.h>

namespace gatehouse::app {
namespace {

TEST(Status, OkWhenTheStoreAnswers) {
  auto r = status_response(false, [] { return true; }, "1.2.3");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ok","version":"1.2.3"})");
  EXPECT_EQ(*r.header("Cache-Control"), "no-store");
}

TEST(Status, UnavailableWhenTheStoreDoesNotAnswer) {
  auto r = status_response(false, [] { return false; }, "1.2.3");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, R"({"status":"unavailable"})");
}

TEST(Status, DrainingWinsAndDoesNotProbeTheStore) {
  bool probed = false;
  auto r = status_response(true, [&] { probed = true; return true; }, "1.2.3");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, R"({"status":"draining"})");
  EXPECT_FALSE(probed);
}

}  // namespace
}  // namespace gatehouse::app
