// token::CodeStore on SQLite: authorization codes, stored as hashes, each used once.
#include "storage/code_store.hpp"

#include "storage/sqlite/connection.hpp"

namespace gatehouse::storage {
using namespace sqlite;  // this file is the SQLite side of SqlCodeStore
namespace {

// The column order every query shares; code_from_row() and insert() depend on it.
#define GH_CODE_COLUMNS                                                                                           \
  "code_hash, grant_id, client_id, redirect_uri, user_id, scope, nonce, code_challenge, code_challenge_method, sid, " \
  "auth_time, amr, created_at, expires_at"

constexpr Query kInsertCode{"insert_authorization_code", "INSERT INTO authorization_codes (" GH_CODE_COLUMNS
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"};
// The single conditional update that makes a code single-use across every node (STYLE C8).
constexpr Query kMarkCodeUsed{"mark_authorization_code_used",
    "UPDATE authorization_codes SET consumed_at = ?2 WHERE code_hash = ?1 AND consumed_at IS NULL AND expires_at > ?2"};
constexpr Query kFindCode{"find_authorization_code",
    "SELECT " GH_CODE_COLUMNS " FROM authorization_codes WHERE code_hash = ?1"};
// A bounded batch (STYLE C11), oldest first, so one purge never holds the write lock for long.
constexpr Query kPurgeCodes{"purge_authorization_codes", R"sql(
DELETE FROM authorization_codes WHERE rowid IN (
  SELECT rowid FROM authorization_codes WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2))sql"};
#undef GH_CODE_COLUMNS

}  // namespace

template <>
void SqlCodeStore<sqlite::Connection>::insert(const token::AuthorizationCode& c) {
  auto connection = pool_.acquire();
  Statement s(*connection, kInsertCode);
  s.bind_blob(1, c.code_hash)
      .bind_text(2, c.grant_id)
      .bind_text(3, c.client_id)
      .bind_text(4, c.redirect_uri)
      .bind_text(5, c.user_id)
      .bind_text(6, c.scope)
      .bind_text(7, c.nonce)
      .bind_text(8, c.code_challenge)
      .bind_text(9, c.code_challenge_method)
      .bind_text(10, c.sid)
      .bind_int(11, c.auth_time)
      .bind_text(12, c.amr)
      .bind_int(13, c.created_at)
      .bind_int(14, c.expires_at)
      .run();
}

template <>
std::optional<token::AuthorizationCode> SqlCodeStore<sqlite::Connection>::find(const std::string& code_hash) {
  auto connection = pool_.acquire();
  Statement s(*connection, kFindCode);
  s.bind_blob(1, code_hash);
  if (!s.step()) return std::nullopt;
  return code_from_row(s);
}

template <>
bool SqlCodeStore<sqlite::Connection>::mark_used(const std::string& code_hash, UnixSeconds now) {
  auto connection = pool_.acquire();
  Statement s(*connection, kMarkCodeUsed);
  s.bind_blob(1, code_hash).bind_int(2, now).run();
  return connection->changes() == 1;
}

template <>
std::size_t SqlCodeStore<sqlite::Connection>::purge_expired(UnixSeconds now, std::size_t limit) {
  return purge_batch(pool_, kPurgeCodes, now, limit);
}

}  // namespace gatehouse::storage
