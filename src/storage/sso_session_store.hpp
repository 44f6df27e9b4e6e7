#pragma once
// session::SsoSessionStore on SQL, declared once for both backends. Each backend defines the
// member functions for its own connection type (explicit specializations) in
// storage/<backend>/sso_session_store.cpp, in its own dialect.

#include "session/sso_session_store.hpp"
#include "storage/connection_pool.hpp"
#include "storage/sign_in_columns.hpp"

namespace gatehouse::storage {

/// An sso_sessions row read in the column order both backends' session queries share: id_hash,
/// sid, user_id, auth_time, amr, created_at, last_seen_at, expires_at, participants. `Row` is
/// sqlite::Statement or postgres::Row.
template <class Row>
session::SsoSession sso_session_from_row(const Row& r) {
  return session::SsoSession{r.blob(0),  r.text(1),  r.text(2),  r.int64(3), r.text(4),
                             r.int64(5), r.int64(6), r.int64(7), sign_in_columns::decode_participants(r.text(8))};
}

template <class Connection>
class SqlSsoSessionStore final : public session::SsoSessionStore {
 public:
  explicit SqlSsoSessionStore(ConnectionPool<Connection>& pool) : pool_(pool) {}
  void insert(const session::SsoSession& s) override;
  std::optional<session::SsoSession> find(const std::string& id_hash, UnixSeconds now, UnixSeconds idle_timeout) override;
  std::vector<session::SsoSession> list_user(const std::string& user_id, UnixSeconds now, UnixSeconds idle_timeout,
                                             std::size_t limit) override;
  bool touch(const std::string& id_hash, UnixSeconds now) override;
  bool add_participant(const std::string& id_hash, const session::Participant& participant) override;
  bool revoke_by_sid(const std::string& sid) override;
  std::size_t revoke_user(const std::string& user_id) override;
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override;

 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
