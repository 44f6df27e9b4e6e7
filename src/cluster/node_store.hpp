#pragma once
// Port: cluster membership (DESIGN.md, PingIDM cluster.json semantics). Every node keeps a row it
// refreshes at each check-in; other nodes mark a silent one *recovering* and later remove it.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace gatehouse::cluster {

enum class NodeState { kUp, kRecovering, kLeft };

inline std::string_view to_string(NodeState s) {
  switch (s) {
    case NodeState::kUp: return "up";
    case NodeState::kRecovering: return "recovering";
    case NodeState::kLeft: return "left";
  }
  return "left";
}

inline std::optional<NodeState> node_state_from_string(std::string_view s) {
  if (s == "up") return NodeState::kUp;
  if (s == "recovering") return NodeState::kRecovering;
  if (s == "left") return NodeState::kLeft;
  return std::nullopt;
}

struct NodeRecord {
  std::string node_id;
  std::string instance;      // random per process: a restarted node is a new instance of its id
  std::string url;           // how other nodes reach it (cluster.node_url)
  std::string version;
  NodeState state = NodeState::kUp;
  UnixMillis started_at = 0;
  UnixMillis last_checkin = 0;
  std::string config_hash;   // of the cluster-relevant configuration
  std::string keyset;        // identifies the signing keys it serves (a hash of their kids and states)
  std::int64_t applied_event = 0;
  /// The node's clock minus the store's, measured at its last check-in (Membership); nullopt when
  /// the store has no clock of its own (SQLite) or the node's release does not measure it.
  std::optional<std::int64_t> clock_skew_ms;
};

/// The store's clock read between two readings of the node's: the node's clock minus the store's
/// is `before + (after - before) / 2 - store`, give or take half the round trip.
struct ClockSample {
  UnixMillis before = 0;
  UnixMillis store = 0;
  UnixMillis after = 0;
};

struct JoinResult {
  bool joined = false;
  std::optional<NodeRecord> holder;  // when refused: the live node that holds the id
};

class NodeStore {
 public:
  virtual ~NodeStore() = default;
  /// Registers `self` as up (replacing a row of its id that is left, recovering, or silent for
  /// longer than `live_window`). Refused, with the holder, when another instance of the id has
  /// checked in within `live_window` and not left. Atomic: of two instances joining with one id
  /// at once, exactly one joins. A negative `live_window` takes the id over in any case.
  virtual JoinResult join(const NodeRecord& self, UnixMillis live_window) = 0;
  /// Refreshes the row of `self` (matched by id and instance): url, version, hashes, applied
  /// event, last_checkin; a recovering row is up again. @returns false if the row is gone or
  /// belongs to another instance now (the caller joins again or stops).
  virtual bool check_in(const NodeRecord& self) = 0;
  /// Marks the instance's row left at `now` (a clean shutdown: nobody waits for a timeout).
  virtual void leave(const std::string& node_id, const std::string& instance, UnixMillis now) = 0;
  /// Every row, ordered by node_id.
  virtual std::vector<NodeRecord> list() = 0;
  /// Up rows whose last check-in is before `silent_since` become recovering. @returns those rows
  /// (for each, exactly one caller gets it when several race).
  virtual std::vector<NodeRecord> mark_recovering(UnixMillis silent_since) = 0;
  /// Deletes recovering and left rows whose last check-in is before `silent_since`. @returns them
  /// (exactly one caller gets each).
  virtual std::vector<NodeRecord> remove_dead(UnixMillis silent_since) = 0;
  /// The store's own clock, when the store runs on another machine whose clock the nodes can be
  /// compared with (PostgreSQL), read between two readings of `local` taken around that one
  /// statement only (not around waiting for a connection); nullopt otherwise. @throws StorageError.
  virtual std::optional<ClockSample> store_clock(const Clock& local) = 0;
};

}  // namespace gatehouse::cluster
