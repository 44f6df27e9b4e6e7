#include "storage/counter_store.hpp"
#include "storage/replay_store.hpp"
#include "storage/revocation_store.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include "storage/sqlite/connection.hpp"

namespace gatehouse::storage {
using namespace sqlite;  // this file is the SQLite side of the Sql*Store templates
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

// A new key is inserted; a key whose use expired before ?3 (not purged yet) is taken over; a live
// one is left alone (no change). SQLite runs one writer at a time, so this is atomic.
constexpr Query kFirstUse{"first_use_assertion", R"sql(
INSERT INTO used_assertions (id, expires_at) VALUES (?1, ?2)
ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at WHERE used_assertions.expires_at < ?3)sql"};

constexpr Query kPurgeAssertions{"purge_used_assertions", R"sql(
DELETE FROM used_assertions WHERE rowid IN (
  SELECT rowid FROM used_assertions WHERE expires_at < ?1 ORDER BY expires_at LIMIT ?2))sql"};

constexpr Query kHit{"rate_hit", R"sql(
INSERT INTO rate_counters (key, expires_at, hits) VALUES (?1, ?2, 1)
ON CONFLICT (key) DO UPDATE SET hits = hits + 1 RETURNING hits)sql"};
constexpr Query kHits{"rate_hits", "SELECT hits FROM rate_counters WHERE key = ?1"};
constexpr Query kRelease{"rate_release", "UPDATE rate_counters SET hits = hits - 1 WHERE key = ?1 AND hits > 0"};

constexpr Query kPurgeCounters{"purge_rate_counters", R"sql(
DELETE FROM rate_counters WHERE rowid IN (
  SELECT rowid FROM rate_counters WHERE expires_at < ?1 ORDER BY expires_at LIMIT ?2))sql"};

std::int64_t sql_limit(std::size_t limit) {
  return static_cast<std::int64_t>(std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
}

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
  if (limit == 0) return 0;
  auto connection = pool_.acquire();
  Statement s(*connection, kPurgeExpired);
  s.bind_int(1, now).bind_int(2, sql_limit(limit)).run();
  return static_cast<std::size_t>(connection->changes());
}

template <>
bool SqlReplayStore<sqlite::Connection>::first_use(const std::string& key, UnixSeconds expires_at, UnixSeconds now) {
  auto connection = pool_.acquire();
  Statement s(*connection, kFirstUse);
  s.bind_text(1, key).bind_int(2, expires_at).bind_int(3, now).run();
  return connection->changes() == 1;
}

template <>
std::size_t SqlReplayStore<sqlite::Connection>::purge_expired(UnixSeconds now, std::size_t limit) {
  if (limit == 0) return 0;
  auto connection = pool_.acquire();
  Statement s(*connection, kPurgeAssertions);
  s.bind_int(1, now).bind_int(2, sql_limit(limit)).run();
  return static_cast<std::size_t>(connection->changes());
}

template <>
std::int64_t SqlCounterStore<sqlite::Connection>::hit(const std::string& key, UnixSeconds expires_at) {
  auto connection = pool_.acquire();
  Statement s(*connection, kHit);
  s.bind_text(1, key).bind_int(2, expires_at);
  s.step();
  const auto hits = s.int64(0);
  while (s.step()) {
  }
  return hits;
}

template <>
std::int64_t SqlCounterStore<sqlite::Connection>::hits(const std::string& key) {
  auto connection = pool_.acquire();
  Statement s(*connection, kHits);
  s.bind_text(1, key);
  return s.step() ? s.int64(0) : 0;
}

template <>
void SqlCounterStore<sqlite::Connection>::release(const std::string& key) {
  auto connection = pool_.acquire();
  Statement s(*connection, kRelease);
  s.bind_text(1, key).run();
}

template <>
std::size_t SqlCounterStore<sqlite::Connection>::purge_expired(UnixSeconds now, std::size_t limit) {
  if (limit == 0) return 0;
  auto connection = pool_.acquire();
  Statement s(*connection, kPurgeCounters);
  s.bind_int(1, now).bind_int(2, sql_limit(limit)).run();
  return static_cast<std::size_t>(connection->changes());
}

}  // namespace gatehouse::storage
