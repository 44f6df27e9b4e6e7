#include "core/metrics.hpp"

#include <thread>

#include <gtest/gtest.h>

namespace gatehouse::metrics {
namespace {

TEST(Metrics, ValuesAndLabelsAreWrittenAsTheTextFormatRequires) {
  EXPECT_EQ(format_value(3), "3");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(1e20), "1e+20");
  EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  Writer w;
  w.family("gatehouse_x_total", "counter", "Things.\nCounted.");
  w.sample("gatehouse_x_total", {{"route", "GET /a\"b"}, {"status", "200"}}, 7);
  w.sample("gatehouse_y", {}, 1.5);
  EXPECT_EQ(w.text(),
            "# HELP gatehouse_x_total Things. Counted.\n"
            "# TYPE gatehouse_x_total counter\n"
            "gatehouse_x_total{route=\"GET /a\\\"b\",status=\"200\"} 7\n"
            "gatehouse_y 1.5\n");
}

TEST(Metrics, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  HistogramData h;
  h.observe(0.0002);  // first bucket
  h.observe(0.003);   // 0.005
  h.observe(0.003);
  h.observe(60);      // beyond the last bound: +Inf only
  Writer w;
  w.histogram("lat", {{"route", "r"}}, h);
  const auto& t = w.text();
  EXPECT_NE(t.find("lat_bucket{route=\"r\",le=\"0.0005\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("lat_bucket{route=\"r\",le=\"0.0025\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("lat_bucket{route=\"r\",le=\"0.005\"} 3\n"), std::string::npos) << t;
  EXPECT_NE(t.find("lat_bucket{route=\"r\",le=\"10\"} 3\n"), std::string::npos) << t;
  EXPECT_NE(t.find("lat_bucket{route=\"r\",le=\"+Inf\"} 4\n"), std::string::npos) << t;
  EXPECT_NE(t.find("lat_count{route=\"r\"} 4\n"), std::string::npos) << t;
  EXPECT_NE(t.find("lat_sum{route=\"r\"} 60.006"), std::string::npos) << t;
}

TEST(Metrics, CounterFamiliesCountFromManyThreads) {
  CounterFamily logins("gatehouse_logins_total", "Sign-ins by outcome.", {"outcome"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) logins.add({i % 10 == 0 ? "failure" : "success"});
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(logins.value({"success"}), 3600u);
  EXPECT_EQ(logins.value({"failure"}), 400u);
  EXPECT_EQ(logins.value({"lockout"}), 0u);
  Writer w;
  logins.write(w);
  EXPECT_EQ(w.text(),
            "# HELP gatehouse_logins_total Sign-ins by outcome.\n# TYPE gatehouse_logins_total counter\n"
            "gatehouse_logins_total{outcome=\"failure\"} 400\ngatehouse_logins_total{outcome=\"success\"} 3600\n");
}

}  // namespace
}  // namespace gatehouse::metrics
