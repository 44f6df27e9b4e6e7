#pragma once
// CAS single logout (CAS Protocol 3.0 Appendix C): when an SSO session ends — a logout on any
// front door, an administrator's sign-out, a password change, a deactivation — every CAS service
// that received a ticket in it and registered a cas_logout_url is sent a back-channel
// logoutRequest naming that ticket. The SSO session store is decorated so that every way a session
// ends goes through here, and the node that actually ended the session (one statement:
// take_by_sid) is the one that sends: exactly once across the cluster. Sending is asynchronous,
// with a bounded queue and a bounded number of attempts, so a slow or dead service never holds up
// anyone's logout. The session's proxy-granting tickets end with it.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "cas/ticket_store.hpp"
#include "session/sso_session_store.hpp"

namespace gatehouse::cas {

/// The protocol name of the participants that single logout reads, one per ticket a service with
/// cas_logout_url received: service = "<client_id> <ticket>", detail = "<ticket> <logout URL>".
inline constexpr std::string_view kSloProtocol = "cas-slo";

/// The logoutRequest document (Appendix C) for `ticket`, with request id `id`, issued at `now`.
std::string logout_request(std::string_view ticket, std::string_view id, UnixSeconds now);

/// The (logout URL, ticket) pairs a session's participants ask single logout for.
std::vector<std::pair<std::string, std::string>> logout_targets(const session::SsoSession& session);

/// A background sender of logout requests. Thread safe.
class LogoutSender {
 public:
  /// Posts `body` (application/x-www-form-urlencoded) to `url`: the HTTP status, or 0 when no answer came.
  using Post = std::function<int(const std::string& url, const std::string& body)>;
  struct Options {
    std::size_t max_queue = 10000;                ///< beyond: dropped (and counted)
    int max_attempts = 3;                         ///< per message
    std::chrono::milliseconds retry_delay{2000};  ///< before the 2nd attempt; doubled for each further one
  };
  LogoutSender(Post post, const Clock& clock, Options options);
  ~LogoutSender();  // stops: messages still queued are dropped
  LogoutSender(const LogoutSender&) = delete;
  LogoutSender& operator=(const LogoutSender&) = delete;

  /// Queues one logout request; never blocks.
  void send(std::string url, std::string ticket);
  /// Every session's targets (what the decorator calls once a session has ended).
  void session_ended(const session::SsoSession& session);
  /// Waits until nothing is queued or in flight, at most `timeout`. @returns true if idle.
  bool wait_idle(std::chrono::milliseconds timeout);

  std::uint64_t delivered() const { return delivered_.load(); }
  std::uint64_t abandoned() const { return abandoned_.load(); }  ///< attempts exhausted, or the queue full

 private:
  struct Message {
    std::string url;
    std::string ticket;
    int attempt = 0;
    std::chrono::steady_clock::time_point due;
  };
  void run(std::stop_token stop);

  Post post_;
  const Clock& clock_;
  Options options_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::condition_variable idle_;
  std::deque<Message> queue_;  // guarded by mutex_
  bool busy_ = false;          // guarded by mutex_: a message is being sent
  std::uint64_t generation_ = 0;  // guarded by mutex_: moved by every send()
  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> abandoned_{0};
  std::jthread thread_;  // last: started once everything above exists
};

/// An SsoSessionStore whose ending of a session also sends its single logouts (everything else is
/// the inner store's).
class SingleLogoutSessions final : public session::SsoSessionStore {
 public:
  /// `pgts`: the proxy-granting tickets that end with their session (§3.3); nullptr: none.
  SingleLogoutSessions(session::SsoSessionStore& inner, LogoutSender& sender, ProxyGrantingTicketStore* pgts = nullptr)
      : inner_(inner), sender_(sender), pgts_(pgts) {}

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
  /// A logout: the session's single logouts are sent if this call ended it.
  bool revoke_by_sid(const std::string& sid) override;
  /// Not a logout (the session goes on under a new cookie): nothing is sent.
  std::optional<session::SsoSession> take_by_sid(const std::string& sid) override { return inner_.take_by_sid(sid); }
  /// Each of the user's sessions taken one by one (so each is logged out of once), then any
  /// begun meanwhile ended with the inner store's revoke_user.
  std::size_t revoke_user(const std::string& user_id) override;
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override { return inner_.purge_expired(now, limit); }

 private:
  session::SsoSessionStore& inner_;
  LogoutSender& sender_;
  ProxyGrantingTicketStore* pgts_;
};

}  // namespace gatehouse::cas
