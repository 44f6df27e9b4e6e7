#include "cluster/event_applier.hpp"

#include <limits>

#include "core/log.hpp"

namespace gatehouse::cluster {
namespace {
constexpr std::size_t kBatch = 500;
constexpr std::int64_t kMaxGap = 1000;
}  // namespace

EventApplier::EventApplier(EventStore& store, const Clock& clock, Apply apply, UnixMillis gap_timeout)
    : store_(store), clock_(clock), apply_(std::move(apply)), gap_timeout_(gap_timeout) {}

void EventApplier::start_from_latest() {
  const auto latest = store_.latest_seq();
  std::lock_guard lock(mutex_);
  watermark_ = latest;
  applied_above_.clear();
  gaps_.clear();
  last_poll_ = clock_.now_ms();
}

std::size_t EventApplier::poll() {
  std::lock_guard lock(mutex_);
  std::size_t applied = 0;
  const auto now = clock_.now_ms();
  for (;;) {
    auto events = store_.read_after(watermark_, kBatch);
    std::int64_t expected = watermark_ + 1;
    for (const auto& e : events) {
      // A jump this large is no transaction in flight (PostgreSQL skips sequence values after a
      // crash): not a gap to wait for.
      if (e.seq - expected > kMaxGap) expected = e.seq;
      for (; expected < e.seq; ++expected) gaps_.try_emplace(expected, now);  // not committed (yet)
      expected = e.seq + 1;
      gaps_.erase(e.seq);
      if (applied_above_.insert(e.seq).second) {
        try {
          apply_(e);
        } catch (const std::exception& ex) {
          spdlog::error("applying cluster event {} ({} {}) failed: {}", e.seq, e.kind, e.key, ex.what());
        }
        ++applied;
      }
    }
    // Give up gaps that stayed empty too long, then move the watermark over everything below the
    // first remaining gap.
    for (auto it = gaps_.begin(); it != gaps_.end();)
      it = now - it->second >= gap_timeout_ ? gaps_.erase(it) : std::next(it);
    const std::int64_t first_gap = gaps_.empty() ? std::numeric_limits<std::int64_t>::max() : gaps_.begin()->first;
    while (!applied_above_.empty() && *applied_above_.begin() < first_gap) {
      watermark_ = *applied_above_.begin();
      applied_above_.erase(applied_above_.begin());
    }
    if (events.size() < kBatch || !gaps_.empty()) break;
  }
  last_poll_ = now;
  return applied;
}

std::int64_t EventApplier::watermark() const {
  std::lock_guard lock(mutex_);
  return watermark_;
}

UnixMillis EventApplier::last_poll() const {
  std::lock_guard lock(mutex_);
  return last_poll_;
}

}  // namespace gatehouse::cluster
