#include "limits/memory_counter_store.hpp"

namespace gatehouse::limits {
namespace {

// Every this many hits, the windows that ended are dropped, so the map holds the live windows
// (one per counted subject and rule) and not every address ever seen until the purge job.
constexpr std::size_t kSweepEvery = 4096;

}  // namespace

std::int64_t MemoryCounterStore::hit(const std::string& key, UnixSeconds expires_at) {
  std::lock_guard lock(mutex_);
  if (++hits_since_sweep_ >= kSweepEvery) {
    hits_since_sweep_ = 0;
    // A window asked for now ends at most kLongestWindow from now: what ended before its end
    // minus that has ended for sure.
    sweep(expires_at - kLongestWindow, windows_.size());
  }
  auto& w = windows_[key];
  if (w.count == 0) w.expires_at = expires_at;
  return ++w.count;
}

std::int64_t MemoryCounterStore::hits(const std::string& key) {
  std::lock_guard lock(mutex_);
  const auto it = windows_.find(key);
  return it == windows_.end() ? 0 : it->second.count;
}

void MemoryCounterStore::release(const std::string& key) {
  std::lock_guard lock(mutex_);
  const auto it = windows_.find(key);
  if (it != windows_.end() && it->second.count > 0) --it->second.count;
}

std::size_t MemoryCounterStore::purge_expired(UnixSeconds now, std::size_t limit) {
  std::lock_guard lock(mutex_);
  return sweep(now, limit);
}

std::size_t MemoryCounterStore::sweep(UnixSeconds before, std::size_t limit) {
  std::size_t n = 0;
  for (auto it = windows_.begin(); it != windows_.end() && n < limit;) {
    if (it->second.expires_at < before) {
      it = windows_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

}  // namespace gatehouse::limits
