#pragma once
// Port: fixed-window hit counters shared by every node (rate limits). A window is a key plus its
// start; counts from all nodes add up, atomically.

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/clock.hpp"

namespace gatehouse::limits {

class CounterStore {
 public:
  virtual ~CounterStore() = default;
  /// Adds one hit to the window `key` (which names its start), remembered until `expires_at`.
  /// @returns the count including this hit. Of concurrent hits on one key, each sees a different
  /// count (1, 2, 3, ...).
  virtual std::int64_t hit(const std::string& key, UnixSeconds expires_at) = 0;
  /// The hits counted so far in the window `key`, without adding one (0 for a window never hit).
  virtual std::int64_t hits(const std::string& key) = 0;
  /// Takes one hit back from the window `key` (something counted has finished): never below 0,
  /// and nothing for a window that does not exist (ended, or never hit).
  virtual void release(const std::string& key) = 0;
  /// Deletes at most `limit` windows that ended before `now`. @returns how many.
  virtual std::size_t purge_expired(UnixSeconds now, std::size_t limit) = 0;
};

}  // namespace gatehouse::limits
