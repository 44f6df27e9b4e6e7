#pragma once
// Port: single sign-on sessions, held server-side. The browser holds only a random identifier in a
// cookie; the store keeps a hash of it, so a leaked database does not hand out sessions.

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>

#include "core/clock.hpp"

namespace gatehouse::session {

struct SsoSession {
  std::string id_hash;      // SHA-256 of the cookie value
  std::string sid;          // the OIDC "sid" claim: random, public
  std::string user_id;
  UnixSeconds auth_time = 0;
  std::string amr;          // space-separated authentication methods, e.g. "pwd"
  UnixSeconds created_at = 0;
  UnixSeconds last_seen_at = 0;
  UnixSeconds expires_at = 0;  // absolute timeout
};

/// Whether a use of `session` at `now` is worth recording (SsoSessionStore::touch). Activity is
/// written at most once per twentieth of the idle timeout (at most once a minute): a browser's run of
/// sign-ins costs one write rather than one per request, and a session ends at most that step
/// before a full idle timeout after its last use.
inline bool worth_touching(const SsoSession& session, UnixSeconds now, UnixSeconds idle_timeout) {
  const UnixSeconds step = std::clamp<UnixSeconds>(idle_timeout / 20, 1, 60);
  return now - session.last_seen_at >= step;
}

class SsoSessionStore {
 public:
  virtual ~SsoSessionStore() = default;
  virtual void insert(const SsoSession& session) = 0;
  /// The session if it exists, has not passed expires_at, and was seen within `idle_timeout`.
  virtual std::optional<SsoSession> find(const std::string& id_hash, UnixSeconds now, UnixSeconds idle_timeout) = 0;
  /// Records activity (sliding the idle timeout). @returns false if there is no such session.
  virtual bool touch(const std::string& id_hash, UnixSeconds now) = 0;
  /// Ends one session by its sid (logout). @returns false if there was none.
  virtual bool revoke_by_sid(const std::string& sid) = 0;
  /// Ends every session of a user (deactivation, password change). @returns how many.
  virtual std::size_t revoke_user(const std::string& user_id) = 0;
  /// Deletes at most `limit` sessions past their absolute expiry. @returns how many.
  virtual std::size_t purge_expired(UnixSeconds now, std::size_t limit) = 0;
};

}  // namespace gatehouse::session
