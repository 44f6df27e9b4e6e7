#pragma once
// token::CodeStore on SQL (authorization codes), declared once for both backends. Each backend
// defines the member functions for its own connection type (explicit specializations) in
// storage/<backend>/code_store.cpp, in its own dialect.

#include "storage/connection_pool.hpp"
#include "token/code_store.hpp"

namespace gatehouse::storage {

/// An authorization_codes row read in the column order both backends' code queries share:
/// code_hash, grant_id, client_id, redirect_uri, user_id, scope, nonce, code_challenge,
/// code_challenge_method, sid, auth_time, amr, created_at, expires_at. `Row` is sqlite::Statement
/// or postgres::Row.
template <class Row>
token::AuthorizationCode code_from_row(const Row& r) {
  return token::AuthorizationCode{.code_hash = r.blob(0),
                                  .grant_id = r.text(1),
                                  .client_id = r.text(2),
                                  .redirect_uri = r.text(3),
                                  .user_id = r.text(4),
                                  .scope = r.text(5),
                                  .nonce = r.text(6),
                                  .code_challenge = r.text(7),
                                  .code_challenge_method = r.text(8),
                                  .sid = r.text(9),
                                  .auth_time = r.int64(10),
                                  .amr = r.text(11),
                                  .created_at = r.int64(12),
                                  .expires_at = r.int64(13)};
}

template <class Connection>
class SqlCodeStore final : public token::CodeStore {
 public:
  explicit SqlCodeStore(ConnectionPool<Connection>& pool) : pool_(pool) {}
  void insert(const token::AuthorizationCode& code) override;
  std::optional<token::AuthorizationCode> find(const std::string& code_hash) override;
  bool mark_used(const std::string& code_hash, UnixSeconds now) override;
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override;

 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
