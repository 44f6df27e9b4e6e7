#pragma once
// Prometheus text exposition (format 0.0.4, https://prometheus.io/docs/instrumenting/exposition_formats/)
// written by hand: a writer for families and samples, latency histograms, and labelled counters
// that any thread may bump. The label values a caller passes must come from a bounded set (route
// names, grant types, outcomes), never from a request, so the series stay few.

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gatehouse::metrics {

/// Upper bounds (seconds) of the request latency buckets; +Inf is implied.
inline constexpr std::array<double, 14> kLatencyBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                        0.1,    0.25,  0.5,    1,     2.5,  5,     10};

/// Observations of one series: per-bucket counts (not cumulative), their count and sum.
struct HistogramData {
  std::array<std::uint64_t, kLatencyBuckets.size()> buckets{};
  std::uint64_t count = 0;
  double sum = 0;
  void observe(double seconds);
  void add(const HistogramData& other);
};

using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

/// Writes one exposition document. Families must be written whole, one after the other.
class Writer {
 public:
  /// Starts a family: its # HELP and # TYPE lines (type: counter, gauge or histogram).
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, const Labels& labels, double value);
  /// name_bucket{...,le="..."} (cumulative), name_sum and name_count.
  void histogram(std::string_view name, const Labels& labels, const HistogramData& data);
  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void labels(const Labels& labels, std::string_view le = {});
  std::string out_;
};

/// A label value with \, " and newline escaped as the format requires.
std::string escape_label_value(std::string_view value);
/// A sample value: integers without a fraction, others in the shortest form that reads back.
std::string format_value(double value);

/// A counter family with fixed label names. Thread safety: add() and write() from any thread.
class CounterFamily {
 public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> label_names);
  /// Adds n to the series with these label values (one per label name, in order).
  void add(const std::vector<std::string_view>& values, std::uint64_t n = 1);
  std::uint64_t value(const std::vector<std::string_view>& values) const;
  void write(Writer& out) const;

 private:
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::uint64_t, std::less<>> series_;  // guarded by mutex_
};

}  // namespace gatehouse::metrics
