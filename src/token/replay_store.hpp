#pragma once
// Port: one-time identifiers that must not be accepted twice while they are valid — the jti of a
// client assertion (RFC 7523 §3 item 7, OpenID Connect Core §9). Every node shares it, so an
// assertion accepted by one node is refused by all of them, even when two nodes race.

#include <cstddef>
#include <string>

#include "core/clock.hpp"

namespace gatehouse::token {

class ReplayStore {
 public:
  virtual ~ReplayStore() = default;
  /// Records one use of `key`, remembered until `expires_at`. Atomic: of any number of concurrent
  /// calls with the same key, exactly one returns true. A key whose earlier use expired before
  /// `now` counts as new again (it may not have been purged yet).
  /// @returns true for the first use, false for a replay.
  virtual bool first_use(const std::string& key, UnixSeconds expires_at, UnixSeconds now) = 0;
  /// Deletes at most `limit` entries that expired before `now`. @returns how many.
  virtual std::size_t purge_expired(UnixSeconds now, std::size_t limit) = 0;
};

}  // namespace gatehouse::token
