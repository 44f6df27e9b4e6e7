// token::RefreshTokenStore on SQLite: refresh tokens and the grants they form.
#include "storage/refresh_token_store.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "storage/sql_count.hpp"
#include "storage/sqlite/connection.hpp"

namespace gatehouse::storage {
using namespace sqlite;  // this file is the SQLite side of SqlRefreshTokenStore
namespace {

#define GH_RT_COLUMNS \
  "token_hash, grant_id, client_id, user_id, scope, sid, auth_time, amr, created_at, expires_at"

// A token of a revoked grant is stored already revoked.
constexpr Query kInsertRefresh{"insert_refresh_token", "INSERT INTO refresh_tokens (" GH_RT_COLUMNS R"sql(, revoked_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, (SELECT revoked_at FROM revoked_grants WHERE grant_id = ?2)))sql"};
constexpr Query kSelectRefresh{"select_refresh_token",
    "SELECT " GH_RT_COLUMNS ", rotated_at, previous_response, revoked_at FROM refresh_tokens WHERE token_hash = ?1"};
constexpr Query kMarkRotated{"mark_refresh_token_rotated",
    "UPDATE refresh_tokens SET rotated_at = ?2, previous_response = ?3 WHERE token_hash = ?1 AND rotated_at IS NULL"};
constexpr Query kFindActive{"find_active_refresh_token", "SELECT " GH_RT_COLUMNS R"sql( FROM refresh_tokens
 WHERE token_hash = ?1 AND expires_at > ?2 AND rotated_at IS NULL AND revoked_at IS NULL)sql"};
#undef GH_RT_COLUMNS

constexpr Query kRecordAccessToken{"record_grant_access_token", R"sql(
INSERT INTO grant_access_tokens (grant_id, jti, expires_at) VALUES (?1, ?2, ?3)
ON CONFLICT (grant_id, jti) DO NOTHING)sql"};
// An access token issued from an already revoked grant is revoked at once.
constexpr Query kRevokeIfGrantRevoked{"revoke_access_token_of_revoked_grant", R"sql(
INSERT INTO revoked_tokens (jti, expires_at)
SELECT ?2, ?3 WHERE EXISTS (SELECT 1 FROM revoked_grants WHERE grant_id = ?1)
ON CONFLICT (jti) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at))sql"};

constexpr Query kRevokeGrantRefresh{"revoke_grant_refresh_tokens",
    "UPDATE refresh_tokens SET revoked_at = ?2 WHERE grant_id = ?1 AND revoked_at IS NULL"};
constexpr Query kRevokeGrantAccess{"revoke_grant_access_tokens", R"sql(
INSERT INTO revoked_tokens (jti, expires_at)
SELECT jti, expires_at FROM grant_access_tokens WHERE grant_id = ?1 AND expires_at > ?2
ON CONFLICT (jti) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at))sql"};
constexpr Query kRememberRevokedGrant{"remember_revoked_grant", R"sql(
INSERT INTO revoked_grants (grant_id, revoked_at, expires_at) VALUES (?1, ?2, ?3)
ON CONFLICT (grant_id) DO NOTHING)sql"};

// revoke_user_grants(): the grants first (so a code redeemed later is born revoked), then the
// refresh tokens. ?1 user, ?2 now, ?3 remember until.
constexpr Query kRememberUserGrants{"remember_revoked_user_grants", R"sql(
INSERT INTO revoked_grants (grant_id, revoked_at, expires_at)
SELECT grant_id, ?2, ?3 FROM refresh_tokens WHERE user_id = ?1 AND revoked_at IS NULL
UNION SELECT grant_id, ?2, ?3 FROM authorization_codes WHERE user_id = ?1
ON CONFLICT (grant_id) DO NOTHING)sql"};
constexpr Query kRevokeUserRefresh{"revoke_user_refresh_tokens",
    "UPDATE refresh_tokens SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL"};

constexpr Query kPurgeRefresh{"purge_refresh_tokens", R"sql(
DELETE FROM refresh_tokens WHERE rowid IN (
  SELECT rowid FROM refresh_tokens WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2))sql"};
constexpr Query kPurgeGrantAccess{"purge_grant_access_tokens", R"sql(
DELETE FROM grant_access_tokens WHERE rowid IN (
  SELECT rowid FROM grant_access_tokens WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2))sql"};
constexpr Query kPurgeRevokedGrants{"purge_revoked_grants", R"sql(
DELETE FROM revoked_grants WHERE rowid IN (
  SELECT rowid FROM revoked_grants WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2))sql"};

void bind_token(Statement& s, const token::RefreshToken& t) {
  Binder binder(s);
  refresh_token_params(binder, t);
}

/// Inside a write transaction. @returns refresh + access tokens revoked now.
std::size_t revoke_grant_in(Connection& connection, const std::string& grant_id, UnixSeconds now) {
  std::size_t n = 0;
  {
    Statement s(connection, kRevokeGrantRefresh);
    s.bind_text(1, grant_id).bind_int(2, now).run();
    n += static_cast<std::size_t>(connection.changes());
  }
  {
    Statement s(connection, kRevokeGrantAccess);
    s.bind_text(1, grant_id).bind_int(2, now).run();
    n += static_cast<std::size_t>(connection.changes());
  }
  Statement s(connection, kRememberRevokedGrant);
  s.bind_text(1, grant_id).bind_int(2, now).bind_int(3, now + kRevokedGrantMemory).run();
  return n;
}

}  // namespace

template <>
void SqlRefreshTokenStore<sqlite::Connection>::insert(const token::RefreshToken& token) {
  auto connection = pool_.acquire();
  Statement s(*connection, kInsertRefresh);
  bind_token(s, token);
  s.run();
}

template <>
token::RotateResult SqlRefreshTokenStore<sqlite::Connection>::rotate(const std::string& presented_hash, const token::RefreshToken& successor,
                                                    const std::string& sealed_response, UnixSeconds now, UnixSeconds grace) {
  auto connection = pool_.acquire();
  // One write transaction: the read, the decision and the writes cannot interleave with another
  // rotation of the same token on any connection or process.
  Transaction tx(*connection, Transaction::Mode::kImmediate);
  token::RotateResult result;
  std::optional<std::int64_t> rotated_at;
  bool revoked = false;
  {
    Statement s(*connection, kSelectRefresh);
    s.bind_blob(1, presented_hash);
    if (!s.step()) return result;  // kUnknown
    result.token = refresh_token_from_row(s);
    if (!s.is_null(10)) rotated_at = s.int64(10);
    if (!s.is_null(11)) result.previous_response = s.blob(11);
    revoked = !s.is_null(12);
  }
  if (const auto spent = spent_outcome(result, revoked, rotated_at, now, grace)) {
    result.outcome = *spent;
    if (*spent == token::RotateOutcome::kReplayed) {
      revoke_grant_in(*connection, result.token->grant_id, now);
      tx.commit();
    }
    return result;  // kRevoked and kGrace write nothing: the transaction rolls back
  }
  if (result.token->expires_at <= now) {
    result.outcome = token::RotateOutcome::kExpired;
    return result;
  }
  {
    Statement s(*connection, kMarkRotated);
    s.bind_blob(1, presented_hash).bind_int(2, now).bind_blob(3, sealed_response).run();
  }
  {
    Statement s(*connection, kInsertRefresh);
    bind_token(s, successor);
    s.run();
  }
  tx.commit();
  result.outcome = token::RotateOutcome::kRotated;
  return result;
}

template <>
std::optional<token::RefreshToken> SqlRefreshTokenStore<sqlite::Connection>::find_active(const std::string& token_hash, UnixSeconds now) {
  auto connection = pool_.acquire();
  Statement s(*connection, kFindActive);
  s.bind_blob(1, token_hash).bind_int(2, now);
  if (!s.step()) return std::nullopt;
  return refresh_token_from_row(s);
}

template <>
void SqlRefreshTokenStore<sqlite::Connection>::record_access_token(const std::string& grant_id, const std::string& jti,
                                                  UnixSeconds expires_at) {
  auto connection = pool_.acquire();
  Transaction tx(*connection, Transaction::Mode::kImmediate);
  {
    Statement s(*connection, kRecordAccessToken);
    s.bind_text(1, grant_id).bind_text(2, jti).bind_int(3, expires_at).run();
  }
  Statement s(*connection, kRevokeIfGrantRevoked);
  s.bind_text(1, grant_id).bind_text(2, jti).bind_int(3, expires_at).run();
  tx.commit();
}

template <>
std::size_t SqlRefreshTokenStore<sqlite::Connection>::revoke_grant(const std::string& grant_id, UnixSeconds now) {
  auto connection = pool_.acquire();
  Transaction tx(*connection, Transaction::Mode::kImmediate);
  auto n = revoke_grant_in(*connection, grant_id, now);
  tx.commit();
  return n;
}

template <>
std::size_t SqlRefreshTokenStore<sqlite::Connection>::revoke_user_grants(const std::string& user_id, UnixSeconds now) {
  auto connection = pool_.acquire();
  Transaction tx(*connection, Transaction::Mode::kImmediate);
  {
    Statement s(*connection, kRememberUserGrants);
    s.bind_text(1, user_id).bind_int(2, now).bind_int(3, now + kRevokedGrantMemory).run();
  }
  Statement s(*connection, kRevokeUserRefresh);
  s.bind_text(1, user_id).bind_int(2, now).run();
  const auto n = static_cast<std::size_t>(connection->changes());
  tx.commit();
  return n;
}

template <>
std::size_t SqlRefreshTokenStore<sqlite::Connection>::purge_expired(UnixSeconds now, std::size_t limit) {
  if (limit == 0) return 0;
  auto connection = pool_.acquire();
  std::size_t total = 0;
  for (const Query* q : {&kPurgeRefresh, &kPurgeGrantAccess, &kPurgeRevokedGrants}) {
    Statement s(*connection, *q);
    s.bind_int(1, now).bind_int(2, to_sql_count(limit)).run();
    total += static_cast<std::size_t>(connection->changes());
  }
  return total;
}

}  // namespace gatehouse::storage
