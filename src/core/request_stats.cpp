#include "core/request_stats.hpp"

namespace gatehouse::stats {

void RequestStats::record(std::string_view kind, std::uint64_t round_trips) {
  std::lock_guard lock(mutex_);
  auto it = totals_.find(kind);
  if (it == totals_.end()) it = totals_.emplace(std::string(kind), Totals{}).first;
  ++it->second.requests;
  it->second.store_round_trips += round_trips;
}

std::vector<RequestStats::Entry> RequestStats::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<Entry> out;
  out.reserve(totals_.size());
  for (const auto& [kind, t] : totals_) out.push_back(Entry{kind, t.requests, t.store_round_trips});
  return out;
}

RequestScope::~RequestScope() {
  if (dismissed_) return;
  try {
    stats_.record(request_kind != nullptr ? request_kind : "unmatched", store_round_trips - start_);
  } catch (...) {
    // Accounting never fails a request (only an allocation can throw here).
  }
  request_kind = nullptr;
}

}  // namespace gatehouse::stats
