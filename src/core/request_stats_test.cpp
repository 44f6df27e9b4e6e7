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
    scope.finish(200);
  }
  {
    RequestScope scope(stats);  // unnamed: no route matched
  }
  std::thread other([&] {
    RequestScope scope(stats);
    request_kind = "POST /oauth2/token (refresh_token)";
    count_store_round_trip();
    scope.finish(200);
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

TEST(RequestStats, SeriesAreKeptByStatusWithTheirLatencyFromWhenTheRequestWasRead) {
  RequestStats stats;
  const auto read_at = std::chrono::steady_clock::now() - std::chrono::milliseconds(30);  // it waited for a worker
  {
    RequestScope scope(stats, read_at);
    request_kind = "POST /oauth2/token (client_credentials)";
    scope.finish(401);
  }
  {
    RequestScope scope(stats);
    request_kind = "POST /oauth2/token (client_credentials)";
    scope.finish(200);
  }
  {
    RequestScope scope(stats);
    request_kind = "POST /oauth2/token (client_credentials)";
    // no finish(): the handler threw
  }
  const auto series = stats.series();
  ASSERT_EQ(series.size(), 3u);
  EXPECT_EQ(series[0].status, 200);
  EXPECT_EQ(series[1].status, 401);
  EXPECT_EQ(series[2].status, 500);
  EXPECT_GE(series[1].latency.sum, 0.030);
  EXPECT_LT(series[0].latency.sum, 0.030);
  for (const auto& s : series) EXPECT_EQ(s.latency.count, 1u);
  ASSERT_EQ(stats.snapshot().size(), 1u);
  EXPECT_EQ(stats.snapshot()[0].requests, 3u);
}

}  // namespace
}  // namespace gatehouse::stats
