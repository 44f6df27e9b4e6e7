#pragma once
// token::CodeStore on SQL (authorization codes, stored as hashes, each used once), written once
// for both backends (storage/query.hpp).

#include "storage/connection_pool.hpp"
#include "storage/query.hpp"
#include "storage/sign_in_facts.hpp"
#include "token/code_store.hpp"

namespace gatehouse::storage {

namespace code_sql {
// The column order every query shares; code_from_row() and insert() depend on it.
#define GH_CODE_COLUMNS                                                                                           \
  "code_hash, grant_id, client_id, redirect_uri, user_id, scope, nonce, code_challenge, code_challenge_method, sid, " \
  "auth_time, amr, created_at, expires_at"
inline constexpr Query kInsert{"insert_authorization_code", "INSERT INTO authorization_codes (" GH_CODE_COLUMNS
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"};
inline constexpr Query kFind{"find_authorization_code",
    "SELECT " GH_CODE_COLUMNS " FROM authorization_codes WHERE code_hash = $1"};
#undef GH_CODE_COLUMNS
// The single conditional update that makes a code single-use across every node (STYLE C8). On
// PostgreSQL a racing redemption waits on the row lock, re-checks consumed_at on the committed row
// and updates nothing. The caller read the code already (find), so nothing is returned.
inline constexpr Query kMarkUsed{"mark_authorization_code_used",
    "UPDATE authorization_codes SET consumed_at = $2 WHERE code_hash = $1 AND consumed_at IS NULL AND expires_at > $2",
    OnLoss::kRepeat};
inline const PurgeQuery kPurge{"purge_authorization_codes", "authorization_codes", "code_hash", "expires_at <= $1",
                               "expires_at"};
}  // namespace code_sql

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
                                  .sign_in = sign_in_from_row(r, 9),
                                  .created_at = r.int64(12),
                                  .expires_at = r.int64(13)};
}

template <class Connection>
class SqlCodeStore final : public token::CodeStore {
 public:
  explicit SqlCodeStore(ConnectionPool<Connection>& pool) : pool_(pool) {}

  void insert(const token::AuthorizationCode& c) override {
    auto connection = pool_.acquire();
    // grant_id and nonce: any bytes (bytea on PostgreSQL, TEXT on SQLite).
    run(*connection, code_sql::kInsert, [&](auto& p) {
      p.bytea(c.code_hash).any_text(c.grant_id).text(c.client_id).text(c.redirect_uri).text(c.user_id).text(c.scope);
      p.any_text(c.nonce).text(c.code_challenge).text(c.code_challenge_method);
      sign_in_params(p, c.sign_in).int8(c.created_at).int8(c.expires_at);
    });
  }

  std::optional<token::AuthorizationCode> find(const std::string& code_hash) override {
    auto connection = pool_.acquire();
    return first_row(
        *connection, code_sql::kFind, [&](auto& p) { p.bytea(code_hash); },
        [](const auto& row) { return code_from_row(row); });
  }

  bool mark_used(const std::string& code_hash, UnixSeconds now) override {
    auto connection = pool_.acquire();
    return run(*connection, code_sql::kMarkUsed, [&](auto& p) { p.bytea(code_hash).int8(now); }) == 1;
  }

  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override {
    return purge_batch(pool_, in_dialect<Connection>(code_sql::kPurge), now, limit);
  }

 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
