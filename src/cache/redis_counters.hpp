#pragma once
// Failed sign-in counters in Redis, in front of a UserStore (whose counters stay the fallback).
// The counter of a login name is one hash, changed by one Lua script (atomic on the server, so
// failures recorded by many nodes at once all count) with the store's exact rules: a new window
// when the last one is `window` old, a lock of `lock_seconds` at `threshold` failures. Redis
// expires a counter itself a minute after its window and lock have passed, and the purge job
// deletes it by the store's rule too (window and lock both older than the cut-off).
//
// When Redis does not answer, the decorated store counts instead: no sign-in fails because of
// Redis. Failures counted during an outage stay in the database and are not added to Redis's
// count afterwards (a lockout needs `threshold` failures on one side); the database's counters
// are still purged by the store's job.
//
// Thread safety: as the decorated store and RedisClient.

#include <string>

#include "cache/redis_client.hpp"
#include "user/user_store.hpp"

namespace gatehouse::cache {

class RedisCountingUserStore final : public user::UserStore {
 public:
  RedisCountingUserStore(user::UserStore& inner, RedisClient& redis) : inner_(inner), redis_(redis) {}

  std::optional<user::User> find(const std::string& id) override { return inner_.find(id); }
  std::optional<user::User> find_by_username(const std::string& username) override {
    return inner_.find_by_username(username);
  }
  user::UserPage list(const user::UserFilter& filter, std::size_t offset, std::size_t limit) override {
    return inner_.list(filter, offset, limit);
  }
  std::optional<user::User> find_linked(const std::string& source, const std::string& external_id) override {
    return inner_.find_linked(source, external_id);
  }
  user::UserWriteResult insert(const user::User& user) override { return inner_.insert(user); }
  user::UserWriteResult refresh_linked(const user::User& user) override { return inner_.refresh_linked(user); }
  user::UserWriteResult update(const user::User& user) override { return inner_.update(user); }
  bool set_password_hash(const std::string& id, const std::string& hash, UnixSeconds now) override {
    return inner_.set_password_hash(id, hash, now);
  }
  bool rehash_password(const std::string& id, const std::string& old_hash, const std::string& new_hash) override {
    return inner_.rehash_password(id, old_hash, new_hash);
  }
  bool change_password_hash(const std::string& id, const std::string& old_hash, const std::string& new_hash,
                            UnixSeconds now) override {
    return inner_.change_password_hash(id, old_hash, new_hash, now);
  }
  bool revoke_tokens_before(const std::string& id, UnixSeconds t) override { return inner_.revoke_tokens_before(id, t); }
  bool remove(const std::string& id) override { return inner_.remove(id); }

  user::FailedLogins record_failed_login(const std::string& login_name, UnixSeconds now, UnixSeconds window,
                                         int threshold, UnixSeconds lock_seconds) override;
  user::FailedLogins failed_logins(const std::string& login_name) override;
  void reset_failed_logins(const std::string& login_name) override;
  /// Purges both sides, Redis first (Redis also expires counters itself, in real time).
  std::size_t purge_failed_logins(UnixSeconds older_than, std::size_t limit) override;

  /// The Redis key of a login name's counter.
  static std::string key_of(const std::string& login_name) { return "gatehouse:failed-logins:" + login_name; }

 private:
  user::UserStore& inner_;
  RedisClient& redis_;
};

}  // namespace gatehouse::cache
