#pragma once
// A near-cache (core/near_cache.hpp) of users by id in front of a UserStore: the token endpoint,
// userinfo and an SSO authorization read the user on every request, and users change rarely.
// Writes through this decorator invalidate the entry at once; changes made elsewhere arrive as
// cluster events (invalidate()). Lookups by username (sign-in) and the failed-sign-in counters
// always go to the store.

#include <chrono>
#include <functional>

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
  std::optional<User> find_linked(const std::string& source, const std::string& external_id) override {
    return inner_.find_linked(source, external_id);
  }
  UserWriteResult refresh_linked(const User& user) override {
    invalidate(user.id);
    OnScopeExit after{[&] { written(user.id); }};
    return inner_.refresh_linked(user);
  }
  UserWriteResult insert(const User& user) override {
    OnScopeExit after{[&] { written(user.id); }};
    return inner_.insert(user);
  }
  // Before and after, as CachingClientStore does: no reader keeps or refills the old entry.
  UserWriteResult update(const User& user) override {
    invalidate(user.id);
    OnScopeExit after{[&] { written(user.id); }};
    return inner_.update(user);
  }
  bool set_password_hash(const std::string& id, const std::string& hash, UnixSeconds now) override {
    invalidate(id);
    OnScopeExit after{[&] { written(id); }};
    return inner_.set_password_hash(id, hash, now);
  }
  bool rehash_password(const std::string& id, const std::string& old_hash, const std::string& new_hash) override {
    invalidate(id);
    OnScopeExit after{[&] { written(id); }};
    return inner_.rehash_password(id, old_hash, new_hash);
  }
  bool change_password_hash(const std::string& id, const std::string& old_hash, const std::string& new_hash,
                            UnixSeconds now) override {
    invalidate(id);
    OnScopeExit after{[&] { written(id); }};
    return inner_.change_password_hash(id, old_hash, new_hash, now);
  }
  bool revoke_tokens_before(const std::string& id, UnixSeconds t) override {
    invalidate(id);
    OnScopeExit after{[&] { written(id); }};
    return inner_.revoke_tokens_before(id, t);
  }
  bool remove(const std::string& id) override {
    invalidate(id);
    OnScopeExit after{[&] { written(id); }};
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
  /// Drops every entry. Thread safe.
  void clear() { cache_.clear(); }
  /// Called after every write through this store (e.g. to tell the other nodes at once). Set it
  /// before the store is shared between threads; it must not throw.
  void set_after_write(std::function<void()> f) { after_write_ = std::move(f); }

 private:
  void written(const std::string& id) {
    invalidate(id);
    if (after_write_) after_write_();
  }

  UserStore& inner_;
  NearCache<User> cache_;
  std::function<void()> after_write_;
};

}  // namespace gatehouse::user
