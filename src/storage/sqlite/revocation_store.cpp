// token::RevocationStore on SQLite: revoked access tokens (and, by grant, revoked_grants).
#include "storage/revocation_store.hpp"

#include "storage/sqlite/connection.hpp"

namespace gatehouse::storage {
using namespace sqlite;  // this file is the SQLite side of SqlRevocationStore
namespace {

// Revoking again keeps the later expiry: shortening it would let purge_expired forget a
// revocation while the token is still valid.
constexpr Query kRevokeToken{"revoke_token", R"sql(
INSERT INTO revoked_tokens (jti, expires_at) VALUES (?1, ?2)
ON CONFLICT (jti) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at))sql"};

// ?2: the grant of a grant's jti ("" otherwise, which no grant id equals).
constexpr Query kIsRevoked{"is_revoked", R"sql(
SELECT 1 FROM revoked_tokens WHERE jti = ?1
UNION ALL
SELECT 1 FROM revoked_grants WHERE grant_id = ?2 LIMIT 1)sql"};

// A bounded batch (STYLE C11), oldest first, so one purge never holds the write lock for long.
constexpr Query kPurgeExpired{"purge_expired_revocations", R"sql(
DELETE FROM revoked_tokens WHERE rowid IN (
  SELECT rowid FROM revoked_tokens WHERE expires_at < ?1 ORDER BY expires_at LIMIT ?2))sql"};

}  // namespace

template <>
void SqlRevocationStore<sqlite::Connection>::revoke(const std::string& jti, UnixSeconds expires_at) {
  auto connection = pool_.acquire();
  Statement s(*connection, kRevokeToken);
  s.bind_text(1, jti).bind_int(2, expires_at).run();
}

template <>
bool SqlRevocationStore<sqlite::Connection>::is_revoked(const std::string& jti) {
  auto connection = pool_.acquire();
  Statement s(*connection, kIsRevoked);
  s.bind_text(1, jti).bind_text(2, token::grant_of_jti(jti));
  return s.step();
}

template <>
std::size_t SqlRevocationStore<sqlite::Connection>::purge_expired(UnixSeconds now, std::size_t limit) {
  return purge_batch(pool_, kPurgeExpired, now, limit);
}

}  // namespace gatehouse::storage
