#pragma once
// session::SsoSessionStore on SQL, declared once for both backends. Each backend defines the
// member functions for its own connection type (explicit specializations) in
// storage/<backend>/sso_session_store.cpp, in its own dialect.

#include "session/sso_session_store.hpp"
#include "storage/connection_pool.hpp"

namespace gatehouse::storage {

template <class Connection>
class SqlSsoSessionStore final : public session::SsoSessionStore {
 public:
  explicit SqlSsoSessionStore(ConnectionPool<Connection>& pool) : pool_(pool) {}
  void insert(const session::SsoSession& s) override;
  std::optional<session::SsoSession> find(const std::string& id_hash, UnixSeconds now, UnixSeconds idle_timeout) override;
  bool touch(const std::string& id_hash, UnixSeconds now) override;
  bool add_participant(const std::string& id_hash, const session::Participant& participant) override;
  bool revoke_by_sid(const std::string& sid) override;
  std::size_t revoke_user(const std::string& user_id) override;
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override;

 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
