#pragma once
// Port: cluster events. A change other nodes must see (applications, users, settings, keys,
// revoked sessions) is recorded with a sequence number in the same transaction as the change (by
// the backend: triggers on the changed tables), so an event exists if and only if its change
// committed. Nodes apply events in order to invalidate their near-caches, and read the ones they
// missed at every check-in.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace gatehouse::cluster {

/// Event kinds (the table whose row changed) and their keys.
inline constexpr const char* kClientChanged = "client";     // key: client_id
inline constexpr const char* kUserChanged = "user";         // key: user id
inline constexpr const char* kSettingChanged = "setting";   // key: setting name
inline constexpr const char* kKeyChanged = "key";           // key: kid
inline constexpr const char* kSessionRevoked = "session";   // key: sid

struct ClusterEvent {
  std::int64_t seq = 0;
  std::string kind;
  std::string key;
  UnixMillis created_at = 0;
};

class EventStore {
 public:
  virtual ~EventStore() = default;
  /// The highest sequence number recorded so far (0 if none).
  virtual std::int64_t latest_seq() = 0;
  /// Events with seq > `after`, in ascending order, at most `limit`.
  virtual std::vector<ClusterEvent> read_after(std::int64_t after, std::size_t limit) = 0;
  /// Records an event that no table change carries (e.g. "every node: reload now"). @returns its seq.
  virtual std::int64_t append(const std::string& kind, const std::string& key, UnixMillis now) = 0;
  /// Deletes at most `limit` events created before `before`. @returns how many.
  virtual std::size_t purge_before(UnixMillis before, std::size_t limit) = 0;
};

}  // namespace gatehouse::cluster
