// token::CodeStore on PostgreSQL: authorization codes, stored as hashes, each used once.
#include "storage/code_store.hpp"

#include "storage/postgres/connection.hpp"

namespace gatehouse::storage {
using namespace postgres;  // this file is the PostgreSQL side of SqlCodeStore
namespace {

// The column order every query shares; code_from_row() and insert() depend on it.
#define GH_CODE_COLUMNS                                                                                           \
  "code_hash, grant_id, client_id, redirect_uri, user_id, scope, nonce, code_challenge, code_challenge_method, sid, " \
  "auth_time, amr, created_at, expires_at"

constexpr Query kInsertCode{"insert_authorization_code", "INSERT INTO authorization_codes (" GH_CODE_COLUMNS
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"};
// The single conditional update that makes a code single-use across every node (STYLE C8). A
// racing redemption waits on the row lock, re-checks consumed_at on the committed row and
// updates nothing. The caller read the code already (find), so nothing is returned.
constexpr Query kMarkCodeUsed{"mark_authorization_code_used",
    "UPDATE authorization_codes SET consumed_at = $2 WHERE code_hash = $1 AND consumed_at IS NULL AND expires_at > $2"};
constexpr Query kFindCode{"find_authorization_code",
    "SELECT " GH_CODE_COLUMNS " FROM authorization_codes WHERE code_hash = $1"};
// A bounded batch, oldest first; SKIP LOCKED as in transaction_store.cpp.
constexpr Query kPurgeCodes{"purge_authorization_codes", R"sql(
DELETE FROM authorization_codes WHERE code_hash IN (
  SELECT code_hash FROM authorization_codes WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED))sql"};
#undef GH_CODE_COLUMNS

}  // namespace

template <>
void SqlCodeStore<postgres::Connection>::insert(const token::AuthorizationCode& c) {
  auto connection = pool_.acquire();
  Params params;
  params.bytea(c.code_hash)
      .bytea(c.grant_id)
      .text(c.client_id)
      .text(c.redirect_uri)
      .text(c.user_id)
      .text(c.scope)
      .bytea(c.nonce)
      .text(c.code_challenge)
      .text(c.code_challenge_method)
      .text(c.sid)
      .int8(c.auth_time)
      .text(c.amr)
      .int8(c.created_at)
      .int8(c.expires_at);
  connection->execute(kInsertCode, params);
}

template <>
std::optional<token::AuthorizationCode> SqlCodeStore<postgres::Connection>::find(const std::string& code_hash) {
  auto connection = pool_.acquire();
  const auto result = connection->execute(kFindCode, Params().bytea(code_hash));
  if (result.empty()) return std::nullopt;
  return code_from_row(result.row(0));
}

template <>
bool SqlCodeStore<postgres::Connection>::mark_used(const std::string& code_hash, UnixSeconds now) {
  auto connection = pool_.acquire();
  return connection->execute(kMarkCodeUsed, Params().bytea(code_hash).int8(now)).affected() == 1;
}

template <>
std::size_t SqlCodeStore<postgres::Connection>::purge_expired(UnixSeconds now, std::size_t limit) {
  return purge_batch(pool_, kPurgeCodes, now, limit);
}

}  // namespace gatehouse::storage
