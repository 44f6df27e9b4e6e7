#pragma once
// limits::CounterStore in this process's memory, for a node that is the whole installation (the
// embedded SQLite database, which cluster mode refuses): there, counting in the database would
// only add a write per counted request (two per hosted sign-in, for rate_limits.authorize_per_ip),
// and the database has one writer at a time. The windows are lost on restart; a window lasts at
// most rate_limits.window (an hour at most).

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "limits/counter_store.hpp"

namespace gatehouse::limits {

/// Thread safety: every method is safe to call concurrently (one mutex; each call is a map lookup).
class MemoryCounterStore final : public CounterStore {
 public:
  /// The longest window a RateLimiter asks for (rate_limits.window is at most an hour): windows
  /// that ended before the newest window's end minus this are gone, whatever the clock says.
  static constexpr UnixSeconds kLongestWindow = 3600;

  std::int64_t hit(const std::string& key, UnixSeconds expires_at) override;
  std::int64_t hits(const std::string& key) override;
  void release(const std::string& key) override;
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override;

 private:
  struct Window {
    std::int64_t count = 0;
    UnixSeconds expires_at = 0;
  };
  /// Drops the windows that ended before `before` (under the lock).
  std::size_t sweep(UnixSeconds before, std::size_t limit);

  std::mutex mutex_;
  std::unordered_map<std::string, Window> windows_;  // guarded by mutex_
  std::size_t hits_since_sweep_ = 0;                 // guarded by mutex_
};

}  // namespace gatehouse::limits
