#pragma once
// user::UserStore on SQL, declared once for both backends. Each backend defines the member
// functions for its own connection type (explicit specializations) in
// storage/<backend>/user_store.cpp, in its own dialect.

#include "user/user_store.hpp"
#include "storage/connection_pool.hpp"

namespace gatehouse::storage {

template <class Connection>
class SqlUserStore final : public user::UserStore {
 public:
  explicit SqlUserStore(ConnectionPool<Connection>& pool) : pool_(pool) {}
  std::optional<user::User> find(const std::string& id) override;
  std::optional<user::User> find_by_username(const std::string& username) override;
  user::UserPage list(const user::UserFilter& filter, std::size_t offset, std::size_t limit) override;
  user::UserWriteResult insert(const user::User& user) override;
  user::UserWriteResult update(const user::User& user) override;
  bool set_password_hash(const std::string& id, const std::string& hash, UnixSeconds now) override;
  bool rehash_password(const std::string& id, const std::string& old_hash, const std::string& new_hash) override;
  bool revoke_tokens_before(const std::string& id, UnixSeconds t) override;
  bool remove(const std::string& id) override;
  user::FailedLogins record_failed_login(const std::string& login_name, UnixSeconds now, UnixSeconds window,
                                         int threshold, UnixSeconds lock_seconds) override;
  user::FailedLogins failed_logins(const std::string& login_name) override;
  void reset_failed_logins(const std::string& login_name) override;
  std::size_t purge_failed_logins(UnixSeconds older_than, std::size_t limit) override;


 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
