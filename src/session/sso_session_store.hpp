#pragma once
// Port: single sign-on sessions, held server-side. The browser holds only a random identifier in a
// cookie; the store keeps a hash of it, so a leaked database does not hand out sessions.

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace gatehouse::session {

/// A service signed in to from a session, so that logout can later reach every one of them.
struct Participant {
  std::string protocol;  // the front door: "oidc" (CAS and SAML next)
  std::string service;   // an OIDC client_id (a CAS service, a SAML entity ID)
  UnixSeconds at = 0;    // the first sign-in to it from this session
  std::string detail;    // room for a protocol detail (a CAS ticket, a SAML SessionIndex); "" for OIDC
};

struct SsoSession {
  std::string id_hash;      // SHA-256 of the cookie value
  std::string sid;          // the OIDC "sid" claim: random, public
  std::string user_id;
  UnixSeconds auth_time = 0;
  std::string amr;          // space-separated authentication methods, e.g. "pwd"
  UnixSeconds created_at = 0;
  UnixSeconds last_seen_at = 0;
  UnixSeconds expires_at = 0;  // absolute timeout
  std::vector<Participant> participants;  // in the order they joined; each (protocol, service) once

  bool has_participant(std::string_view protocol, std::string_view service) const {
    return std::any_of(participants.begin(), participants.end(),
                       [&](const Participant& p) { return p.protocol == protocol && p.service == service; });
  }
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
  /// The user's live sessions (as find() would return them at `now`), newest first (by created_at),
  /// at most `limit`: the account page's list. One read over the user's index.
  virtual std::vector<SsoSession> list_user(const std::string& user_id, UnixSeconds now, UnixSeconds idle_timeout,
                                            std::size_t limit) = 0;
  /// Records activity (sliding the idle timeout). @returns false if there is no such session.
  virtual bool touch(const std::string& id_hash, UnixSeconds now) = 0;
  /// Records `participant` on the session unless it already has one with the same protocol and
  /// service (one conditional write; the caller skips it when find() already shows the service).
  /// @returns true if it was added, false if it was there already or there is no such session.
  virtual bool add_participant(const std::string& id_hash, const Participant& participant) = 0;
  /// Ends one session by its sid (logout). @returns false if there was none.
  virtual bool revoke_by_sid(const std::string& sid) = 0;
  /// Ends one session by its sid and answers it as it was (live or not): one statement, so of two
  /// nodes ending the same session at once exactly one gets it. Not a logout: the caller carries
  /// the session on (a new sign-in of the same person under the same sid), so no single logout
  /// follows, where revoke_by_sid and revoke_user are logouts.
  virtual std::optional<SsoSession> take_by_sid(const std::string& sid) = 0;
  /// Ends every session of a user (deactivation, password change). @returns how many.
  virtual std::size_t revoke_user(const std::string& user_id) = 0;
  /// Deletes at most `limit` sessions past their absolute expiry. @returns how many.
  virtual std::size_t purge_expired(UnixSeconds now, std::size_t limit) = 0;
};

}  // namespace gatehouse::session
