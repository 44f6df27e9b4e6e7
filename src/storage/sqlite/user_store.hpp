#pragma once
// user::UserStore on SQLite.

#include "storage/sqlite/connection_pool.hpp"
#include "user/user_store.hpp"

namespace gatehouse::storage::sqlite {

class SqliteUserStore final : public user::UserStore {
 public:
  explicit SqliteUserStore(ConnectionPool& pool) : pool_(pool) {}
  std::optional<user::User> find(const std::string& id) override;
  std::optional<user::User> find_by_username(const std::string& username) override;
  user::UserPage list(const user::UserFilter& filter, std::size_t offset, std::size_t limit) override;
  user::UserWriteResult insert(const user::User& user) override;
  user::UserWriteResult update(const user::User& user) override;
  bool set_password_hash(const std::string& id, const std::string& hash, UnixSeconds now) override;
  bool rehash_password(const std::string& id, const std::string& old_hash, const std::string& new_hash) override;
  bool revoke_tokens_before(const std::string& id, UnixSeconds t) override;
  bool remove(const std::string& id) override;
  user::FailedLogins record_failed_login(const std::string& id, UnixSeconds now, UnixSeconds window, int threshold,
                                         UnixSeconds lock_seconds) override;
  user::FailedLogins failed_logins(const std::string& id) override;
  void reset_failed_logins(const std::string& id) override;
  std::size_t purge_failed_logins(UnixSeconds older_than, std::size_t limit) override;

 private:
  ConnectionPool& pool_;
};

}  // namespace gatehouse::storage::sqlite
