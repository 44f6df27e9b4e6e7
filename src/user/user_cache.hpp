#pragma once
// A near-cache (core/near_cache.hpp) of users by id in front of a UserStore: the token endpoint,
// userinfo and an SSO authorization read the user on every request, and users change rarely.
// Writes through this decorator invalidate the entry at once; changes made elsewhere arrive as
// cluster events (invalidate()). Lookups by username (sign-in) and the failed-sign-in counters
// always go to the store.

#include <chrono>

#include "core/near_cache.hpp"
#include "user/user_store.hpp"

namespace gatehouse::user {

class CachingUserStore final : public UserStore {
 public:
  CachingUserStore(UserStore& inner, std::chrono::seconds ttl, std::size_t capacity = 100000)
      : inner_(inner), cache_(ttl, capacity) {}

  std::optional<User> find(const std::string& id) override {
    return cache_.get(id, [&] { return inner_.find(id); });
  }
  std::optional<User> find_by_username(const std::string& username) override { return inner_.find_by_username(username); }
  UserPage list(const UserFilter& filter, std::size_t offset, std::size_t limit) override {
    return inner_.list(filter, offset, limit);
  }
  UserWriteResult insert(const User& user) override {
    OnScopeExit after{[&] { invalidate(user.id); }};
    return inner_.insert(user);
  }
  // Before and after, as CachingClientStore does: no reader keeps or refills the old entry.
  UserWriteResult update(const User& user) override {
    invalidate(user.id);
    OnScopeExit after{[&] { invalidate(user.id); }};
    return inner_.update(user);
  }
  bool remove(const std::string& id) override {
    invalidate(id);
    OnScopeExit after{[&] { invalidate(id); }};
    return inner_.remove(id);
  }
  FailedLogins record_failed_login(const std::string& login_name, UnixSeconds now, UnixSeconds window, int threshold,
                                   UnixSeconds lock_seconds) override {
    return inner_.record_failed_login(login_name, now, window, threshold, lock_seconds);
  }
  FailedLogins failed_logins(const std::string& login_name) override { return inner_.failed_logins(login_name); }
  void reset_failed_logins(const std::string& login_name) override { inner_.reset_failed_logins(login_name); }
  std::size_t purge_failed_logins(UnixSeconds older_than, std::size_t limit) override {
    return inner_.purge_failed_logins(older_than, limit);
  }

  /// Drops one entry (a change made elsewhere). Thread safe.
  void invalidate(const std::string& id) { cache_.invalidate(id); }

 private:
  UserStore& inner_;
  NearCache<User> cache_;
};

}  // namespace gatehouse::user
