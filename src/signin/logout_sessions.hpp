#pragma once
// Single logout, for every protocol: the SSO session store is decorated so that every way a
// session ends — a logout on any front door, an administrator's sign-out, a password change, a
// deactivation — goes through here, and the node that actually ended the session (one statement:
// take_by_sid) tells each protocol's listener, which reaches that protocol's participants (CAS
// services, SAML service providers). Exactly once across the cluster.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "session/sso_session_store.hpp"

namespace gatehouse::signin {

/// A protocol's part of single logout. Called inside the unit of work that ended the session:
/// store writes join it; messages to services are sent only after it commits (after_commit).
class LogoutListener {
 public:
  virtual ~LogoutListener() = default;
  /// `session` has ended (as it was, participants included). `origin`: the client_id of the
  /// participant that asked for this logout and is answered by its own protocol's reply (a SAML
  /// SP's LogoutRequest gets a LogoutResponse), so it is not sent a request too; "" when none.
  virtual void session_ended(const session::SsoSession& session, std::string_view origin) = 0;
};

/// An SsoSessionStore whose ending of a session tells the listeners (everything else is the
/// inner store's). Listeners are added while the node is wired, before it serves.
class LogoutSessions final : public session::SsoSessionStore {
 public:
  explicit LogoutSessions(session::SsoSessionStore& inner) : inner_(inner) {}
  void add_listener(LogoutListener& listener) { listeners_.push_back(&listener); }

  /// Ends the session with this sid and tells the listeners, if this call ended it. @returns the
  /// session as it was, or nullopt when there was none (ended already, here or on another node).
  std::optional<session::SsoSession> end(const std::string& sid, std::string_view origin);

  void insert(const session::SsoSession& s) override { inner_.insert(s); }
  std::optional<session::SsoSession> find(const std::string& id_hash, UnixSeconds now, UnixSeconds idle) override {
    return inner_.find(id_hash, now, idle);
  }
  std::vector<session::SsoSession> list_user(const std::string& user_id, UnixSeconds now, UnixSeconds idle,
                                             std::size_t limit) override {
    return inner_.list_user(user_id, now, idle, limit);
  }
  bool touch(const std::string& id_hash, UnixSeconds now) override { return inner_.touch(id_hash, now); }
  bool add_participant(const std::string& id_hash, const session::Participant& p) override {
    return inner_.add_participant(id_hash, p);
  }
  /// A logout: end(sid, "").
  bool revoke_by_sid(const std::string& sid) override { return end(sid, "").has_value(); }
  /// Not a logout (the session goes on under a new cookie): no listener hears of it.
  std::optional<session::SsoSession> take_by_sid(const std::string& sid) override { return inner_.take_by_sid(sid); }
  /// Each of the user's sessions ended one by one (so each is logged out of once), then any
  /// begun meanwhile ended with the inner store's revoke_user.
  std::size_t revoke_user(const std::string& user_id) override;
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override { return inner_.purge_expired(now, limit); }

 private:
  session::SsoSessionStore& inner_;
  std::vector<LogoutListener*> listeners_;
};

}  // namespace gatehouse::signin
