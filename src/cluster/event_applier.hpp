#pragma once
// Applies cluster events in sequence order (DESIGN.md "event bus"): each one invalidates what this
// node caches about the changed row. A notification (PostgreSQL NOTIFY) only says "poll now"; the
// events table is the truth, so a lost notification is repaired by the next poll.
//
// Sequence numbers are handed out when a transaction inserts its event, but transactions commit in
// any order, so a reader can see seq 12 before seq 11 exists. A missing number is a gap that may
// still fill: the applier keeps its watermark below the gap, applies what it sees above it once,
// and gives a gap up only after `gap_timeout` (a rolled-back transaction leaves a gap forever).

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>

#include "cluster/event_store.hpp"
#include "core/clock.hpp"

namespace gatehouse::cluster {

class EventApplier {
 public:
  using Apply = std::function<void(const ClusterEvent&)>;

  EventApplier(EventStore& store, const Clock& clock, Apply apply, UnixMillis gap_timeout = 10'000);

  /// Starts after the latest event (the caches are empty at start). @throws StorageError.
  void start_from_latest();
  /// Reads and applies the new events. @returns how many were applied. @throws StorageError.
  /// Thread safety: serialised internally.
  std::size_t poll();
  /// Every event up to this one has been applied (or given up as a gap).
  std::int64_t watermark() const;
  /// When poll() last reached the store; 0 before.
  UnixMillis last_poll() const;

 private:
  EventStore& store_;
  const Clock& clock_;
  Apply apply_;
  UnixMillis gap_timeout_;
  mutable std::mutex mutex_;
  std::int64_t watermark_ = 0;
  std::set<std::int64_t> applied_above_;    // applied, above a gap
  std::map<std::int64_t, UnixMillis> gaps_;  // missing seq -> when first noticed
  UnixMillis last_poll_ = 0;
};

}  // namespace gatehouse::cluster
