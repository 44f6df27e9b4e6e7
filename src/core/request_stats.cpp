#include "core/request_stats.hpp"

namespace gatehouse::stats {

void RequestStats::record(std::string_view kind, int status, std::uint64_t round_trips, double seconds) {
  std::lock_guard lock(mutex_);
  auto it = totals_.find(kind);
  if (it == totals_.end()) it = totals_.emplace(std::string(kind), std::map<int, Totals>{}).first;
  auto& t = it->second[status];
  t.store_round_trips += round_trips;
  t.latency.observe(seconds);
}

std::vector<RequestStats::Entry> RequestStats::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<Entry> out;
  out.reserve(totals_.size());
  for (const auto& [kind, by_status] : totals_) {
    Entry e{kind, 0, 0};
    for (const auto& [status, t] : by_status) {
      e.requests += t.latency.count;
      e.store_round_trips += t.store_round_trips;
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<RequestStats::Series> RequestStats::series() const {
  std::lock_guard lock(mutex_);
  std::vector<Series> out;
  for (const auto& [kind, by_status] : totals_)
    for (const auto& [status, t] : by_status) out.push_back(Series{kind, status, t.store_round_trips, t.latency});
  return out;
}

RequestScope::~RequestScope() {
  if (dismissed_) return;
  try {
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - received_;
    stats_.record(request_kind != nullptr ? request_kind : "unmatched", status_, store_round_trips - start_, took.count());
  } catch (...) {
    // Accounting never fails a request (only an allocation can throw here).
  }
  request_kind = nullptr;
}

}  // namespace gatehouse::stats
