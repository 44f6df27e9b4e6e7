// token::RefreshTokenStore on PostgreSQL: refresh tokens and the grants they form.
#include "storage/refresh_token_store.hpp"

#include "storage/postgres/connection.hpp"
#include "storage/sql_count.hpp"

namespace gatehouse::storage {
using namespace postgres;  // this file is the PostgreSQL side of SqlRefreshTokenStore
namespace {

// Every write that adds to a grant or revokes it goes through its `grants` row first (see
// 0001_initial.sql): an upsert that locks the row until commit and reads its latest committed
// state. Lock order is always grant row, then token rows, so rotation and revocation cannot
// deadlock.

#define GH_RT_COLUMNS \
  "token_hash, grant_id, client_id, user_id, scope, sid, auth_time, amr, created_at, expires_at"

// One statement, no transaction: lock the grant row (creating it on first use) and store the token
// revoked if the grant is. Also used inside rotate(), where the grant row is already ours.
constexpr Query kInsertRefresh{"insert_refresh_token", R"sql(
WITH grant_row AS (
  INSERT INTO grants (grant_id, revoked_at, expires_at) VALUES ($2, NULL, $10)
  ON CONFLICT (grant_id) DO UPDATE SET expires_at = greatest(grants.expires_at, excluded.expires_at)
  RETURNING revoked_at)
INSERT INTO refresh_tokens ()sql" GH_RT_COLUMNS R"sql(, revoked_at)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, revoked_at FROM grant_row)sql"};

// rotate() in one statement, so one round trip (issue 4's target: a refresh costs two with
// find_active). In lock order, as every grant write: the grant row, then the presented token's
// row (FOR UPDATE, which re-reads a row a concurrent rotation changed while this one waited, so
// `current` is the token as last committed). The grant row is only locked, not upserted: every
// token's grant row exists (kInsertRefresh creates it, and it lives as long as its newest token,
// which `extended` ensures), and rewriting it on every rotation left a dead row version per refresh
// on a few hot rows, which every later lock had to step over (PostgreSQL refresh: 1,380/s → 2,618/s). Only if that token is neither rotated,
// revoked nor expired is it marked rotated, with the sealed answer, and the successor stored
// ($1 presented hash, $2 now, $3 sealed answer, $4.. the successor as in kInsertRefresh, born
// revoked if the grant is). The caller decides every other outcome from `current`; the row comes
// back with `rotated` true when this call rotated. No row: the token is unknown.
constexpr Query kRotate{"rotate_refresh_token", R"sql(
WITH grant_row AS (
  SELECT g.grant_id, g.revoked_at FROM grants g
   WHERE g.grant_id = (SELECT grant_id FROM refresh_tokens WHERE token_hash = $1)
     FOR UPDATE),
current AS (
  SELECT t.token_hash, t.grant_id, t.client_id, t.user_id, t.scope, t.sid, t.auth_time, t.amr, t.created_at,
         t.expires_at, t.rotated_at, t.previous_response, t.revoked_at
    FROM refresh_tokens t JOIN grant_row g ON g.grant_id = t.grant_id
   WHERE t.token_hash = $1
     FOR UPDATE OF t),
marked AS (
  UPDATE refresh_tokens r SET rotated_at = $2, previous_response = $3
    FROM current c
   WHERE r.token_hash = c.token_hash AND c.rotated_at IS NULL AND c.revoked_at IS NULL AND c.expires_at > $2
     AND r.rotated_at IS NULL AND r.revoked_at IS NULL
  RETURNING r.token_hash),
successor AS (
  INSERT INTO refresh_tokens (token_hash, grant_id, client_id, user_id, scope, sid, auth_time, amr, created_at,
                              expires_at, revoked_at)
  SELECT $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, g.revoked_at FROM marked, grant_row g
  RETURNING 1),
extended AS (
  UPDATE grants SET expires_at = $13
   WHERE grant_id = (SELECT grant_id FROM grant_row) AND expires_at < $13 AND EXISTS (SELECT 1 FROM marked)
  RETURNING 1)
SELECT c.*, EXISTS (SELECT 1 FROM successor) AS rotated FROM current c)sql"};
constexpr Query kFindActive{"find_active_refresh_token", "SELECT " GH_RT_COLUMNS R"sql( FROM refresh_tokens
 WHERE token_hash = $1 AND expires_at > $2 AND rotated_at IS NULL AND revoked_at IS NULL)sql"};
#undef GH_RT_COLUMNS

// One statement: note the jti with its grant and, if the grant is revoked, revoke the jti too.
constexpr Query kRecordAccessToken{"record_grant_access_token", R"sql(
WITH grant_row AS (
  INSERT INTO grants (grant_id, revoked_at, expires_at) VALUES ($1, NULL, $3)
  ON CONFLICT (grant_id) DO UPDATE SET expires_at = greatest(grants.expires_at, excluded.expires_at)
  RETURNING revoked_at),
recorded AS (
  INSERT INTO grant_access_tokens (grant_id, jti, expires_at) VALUES ($1, $2, $3)
  ON CONFLICT (grant_id, jti) DO NOTHING)
INSERT INTO revoked_tokens (jti, expires_at)
SELECT $2, $3 FROM grant_row WHERE revoked_at IS NOT NULL
ON CONFLICT (jti) DO UPDATE SET expires_at = greatest(revoked_tokens.expires_at, excluded.expires_at))sql"};

// revoke_grant(), in one transaction, in lock order. $1 grant, $2 now, $3 remember until.
constexpr Query kRevokeGrantRow{"revoke_grant_row", R"sql(
INSERT INTO grants (grant_id, revoked_at, expires_at) VALUES ($1, $2, $3)
ON CONFLICT (grant_id) DO UPDATE SET revoked_at = coalesce(grants.revoked_at, excluded.revoked_at),
                                     expires_at = greatest(grants.expires_at, excluded.expires_at))sql"};
constexpr Query kRevokeGrantRefresh{"revoke_grant_refresh_tokens",
    "UPDATE refresh_tokens SET revoked_at = $2 WHERE grant_id = $1 AND revoked_at IS NULL"};
// Counts only jtis revoked or extended now, so a second revoke_grant() reports 0 ("revoked now").
constexpr Query kRevokeGrantAccess{"revoke_grant_access_tokens", R"sql(
INSERT INTO revoked_tokens (jti, expires_at)
SELECT jti, expires_at FROM grant_access_tokens WHERE grant_id = $1 AND expires_at > $2
ON CONFLICT (jti) DO UPDATE SET expires_at = excluded.expires_at
 WHERE revoked_tokens.expires_at < excluded.expires_at)sql"};

// revoke_user_grants(): the grant rows first, in key order (the lock order every grant write
// follows), so a code redeemed later is born revoked; then the refresh tokens.
// $1 user, $2 now, $3 remember until.
constexpr Query kRevokeUserGrantRows{"revoke_user_grant_rows", R"sql(
INSERT INTO grants (grant_id, revoked_at, expires_at)
SELECT g.grant_id, $2, $3 FROM (
    SELECT grant_id FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL
    UNION SELECT grant_id FROM authorization_codes WHERE user_id = $1) g
 ORDER BY g.grant_id
ON CONFLICT (grant_id) DO UPDATE SET revoked_at = coalesce(grants.revoked_at, excluded.revoked_at),
                                     expires_at = greatest(grants.expires_at, excluded.expires_at))sql"};
constexpr Query kRevokeUserRefresh{"revoke_user_refresh_tokens",
    "UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL"};

// The three expiring tables in one statement, each a bounded batch (see kPurgeRevocations).
constexpr Query kPurgeGrantState{"purge_grant_state", R"sql(
WITH tokens AS (
  DELETE FROM refresh_tokens WHERE token_hash IN (
    SELECT token_hash FROM refresh_tokens WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
  RETURNING 1),
access AS (
  DELETE FROM grant_access_tokens WHERE (grant_id, jti) IN (
    SELECT grant_id, jti FROM grant_access_tokens WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
  RETURNING 1),
grant_rows AS (
  DELETE FROM grants WHERE grant_id IN (
    SELECT grant_id FROM grants WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
  RETURNING 1)
SELECT (SELECT count(*) FROM tokens) + (SELECT count(*) FROM access) + (SELECT count(*) FROM grant_rows))sql"};

Params token_params(const token::RefreshToken& t) {
  Params p;
  refresh_token_params(p, t);
  return p;
}

/// Inside a transaction. @returns refresh + access tokens revoked now.
std::size_t revoke_grant_in(Connection& connection, const std::string& grant_id, UnixSeconds now) {
  connection.execute(kRevokeGrantRow, Params().bytea(grant_id).int8(now).int8(now + kRevokedGrantMemory));
  const Params params = Params().bytea(grant_id).int8(now);
  auto n = connection.execute(kRevokeGrantRefresh, params).affected();
  n += connection.execute(kRevokeGrantAccess, params).affected();
  return static_cast<std::size_t>(n);
}

}  // namespace

template <>
void SqlRefreshTokenStore<postgres::Connection>::insert(const token::RefreshToken& token) {
  auto connection = pool_.acquire();
  connection->execute(kInsertRefresh, token_params(token));
}

template <>
token::RotateResult SqlRefreshTokenStore<postgres::Connection>::rotate(const std::string& presented_hash, const token::RefreshToken& successor,
                                                const std::string& sealed_response, UnixSeconds now, UnixSeconds grace) {
  auto connection = pool_.acquire();
  // The same decisions as SQLite's, on the token as kRotate found it locked: a concurrent
  // rotation of the same token waits there, then sees this one's outcome.
  token::RotateResult result;
  std::optional<std::int64_t> rotated_at;
  bool revoked = false;
  {
    Params params;
    params.bytea(presented_hash).int8(now).bytea(sealed_response);
    refresh_token_params(params, successor);  // $4 ... $13
    const auto found = connection->execute(kRotate, params);
    if (found.empty()) return result;  // kUnknown
    const Row row = found.row(0);
    result.token = refresh_token_from_row(row);
    if (row.boolean(13)) {
      result.outcome = token::RotateOutcome::kRotated;
      return result;
    }
    rotated_at = row.optional_int8(10);
    if (!row.is_null(11)) result.previous_response = row.text(11);
    revoked = !row.is_null(12);
  }
  if (const auto spent = spent_outcome(result, revoked, rotated_at, now, grace)) {
    result.outcome = *spent;
    if (*spent == token::RotateOutcome::kReplayed) {
      // A replay: the family is revoked (its own transaction; revoking is idempotent, and a
      // rotation racing with this one has found the presented token rotated too).
      Transaction tx(*connection);
      revoke_grant_in(*connection, result.token->grant_id, now);
      tx.commit();
    }
    return result;
  }
  // Neither rotated nor revoked, and not rotated now: kRotate found it expired.
  result.outcome = token::RotateOutcome::kExpired;
  return result;
}

template <>
std::optional<token::RefreshToken> SqlRefreshTokenStore<postgres::Connection>::find_active(const std::string& token_hash, UnixSeconds now) {
  auto connection = pool_.acquire();
  const auto result = connection->execute(kFindActive, Params().bytea(token_hash).int8(now));
  if (result.empty()) return std::nullopt;
  return refresh_token_from_row(result.row(0));
}

template <>
void SqlRefreshTokenStore<postgres::Connection>::record_access_token(const std::string& grant_id, const std::string& jti,
                                              UnixSeconds expires_at) {
  auto connection = pool_.acquire();
  connection->execute(kRecordAccessToken, Params().bytea(grant_id).text(jti).int8(expires_at));
}

template <>
std::size_t SqlRefreshTokenStore<postgres::Connection>::revoke_grant(const std::string& grant_id, UnixSeconds now) {
  auto connection = pool_.acquire();
  Transaction tx(*connection);
  const auto n = revoke_grant_in(*connection, grant_id, now);
  tx.commit();
  return n;
}

template <>
std::size_t SqlRefreshTokenStore<postgres::Connection>::revoke_user_grants(const std::string& user_id, UnixSeconds now) {
  if (!is_storable_text(user_id)) return 0;
  auto connection = pool_.acquire();
  Transaction tx(*connection);
  connection->execute(kRevokeUserGrantRows, Params().text(user_id).int8(now).int8(now + kRevokedGrantMemory));
  const auto n = connection->execute(kRevokeUserRefresh, Params().text(user_id).int8(now)).affected();
  tx.commit();
  return static_cast<std::size_t>(n);
}

template <>
std::size_t SqlRefreshTokenStore<postgres::Connection>::purge_expired(UnixSeconds now, std::size_t limit) {
  if (limit == 0) return 0;
  auto connection = pool_.acquire();
  const auto result = connection->execute(kPurgeGrantState, Params().int8(now).int8(to_sql_count(limit)));
  return static_cast<std::size_t>(result.row(0).int8(0));
}

}  // namespace gatehouse::storage
