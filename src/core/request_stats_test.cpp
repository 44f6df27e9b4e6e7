#include "core/request_stats.hpp"

#include <thread>

#include <gtest/gtest.h>

namespace gatehouse::stats {
namespace {

TEST(RequestStats, EachScopeRecordsTheRoundTripsOfItsThreadUnderTheRequestKind) {
  RequestStats stats;
  {
    RequestScope scope(stats);
    request_kind = "POST /oauth2/token (refresh_token)";
    count_store_round_trip();
    count_store_round_trip();
  }
  {
    RequestScope scope(stats);  // unnamed: no route matched
  }
  std::thread other([&] {
    RequestScope scope(stats);
    request_kind = "POST /oauth2/token (refresh_token)";
    count_store_round_trip();
  });
  count_store_round_trip();  // outside any request: not recorded
  other.join();
  const auto entries = stats.snapshot();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].kind, "POST /oauth2/token (refresh_token)");
  EXPECT_EQ(entries[0].requests, 2u);
  EXPECT_EQ(entries[0].store_round_trips, 3u);
  EXPECT_EQ(entries[1].kind, "unmatched");
  EXPECT_EQ(entries[1].requests, 1u);
  EXPECT_EQ(entries[1].store_round_trips, 0u);
}

TEST(RequestStats, ADismissedScopeRecordsNothing) {
  RequestStats stats;
  {
    RequestScope scope(stats);
    request_kind = "GET /x";
    scope.dismiss();
  }
  EXPECT_TRUE(stats.snapshot().empty());
  RequestScope next(stats);
  EXPECT_EQ(request_kind, nullptr) << "a new scope starts unnamed";
}

}  // namespace
}  // namespace gatehouse::stats
