// token::RevocationStore on PostgreSQL: revoked access tokens.
#include "storage/revocation_store.hpp"

#include "storage/postgres/connection.hpp"

namespace gatehouse::storage {
using namespace postgres;  // this file is the PostgreSQL side of SqlRevocationStore
namespace {

// Revoking again keeps the later expiry: shortening it would let purge_expired forget a
// revocation while the token is still valid.
constexpr Query kRevokeToken{"revoke_token", R"sql(
INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2)
ON CONFLICT (jti) DO UPDATE SET expires_at = greatest(revoked_tokens.expires_at, excluded.expires_at))sql"};
// $2: the grant of a grant's jti (token::grant_of_jti; empty otherwise, which no grant id equals).
constexpr Query kIsRevoked{"is_revoked", R"sql(
SELECT 1 FROM revoked_tokens WHERE jti = $1
UNION ALL
SELECT 1 FROM grants WHERE grant_id = $2 AND revoked_at IS NOT NULL LIMIT 1)sql"};
// A bounded batch, oldest first; SKIP LOCKED as in storage::PurgeQuery (query.hpp). A row whose expiry a
// concurrent revoke() just extended is re-checked against `expires_at < $1` when it is locked.
constexpr Query kPurgeRevocations{"purge_expired_revocations", R"sql(
DELETE FROM revoked_tokens WHERE jti IN (
  SELECT jti FROM revoked_tokens WHERE expires_at < $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED))sql"};

}  // namespace

template <>
void SqlRevocationStore<postgres::Connection>::revoke(const std::string& jti, UnixSeconds expires_at) {
  auto connection = pool_.acquire();
  connection->execute(kRevokeToken, Params().text(jti).int8(expires_at));
}

template <>
bool SqlRevocationStore<postgres::Connection>::is_revoked(const std::string& jti) {
  auto connection = pool_.acquire();
  return !connection->execute(kIsRevoked, Params().text(jti).bytea(token::grant_of_jti(jti))).empty();
}

template <>
std::size_t SqlRevocationStore<postgres::Connection>::purge_expired(UnixSeconds now, std::size_t limit) {
  return purge_batch(pool_, kPurgeRevocations, now, limit);
}

}  // namespace gatehouse::storage
