// limits::CounterStore on PostgreSQL: rate-limit windows.
#include "storage/counter_store.hpp"

#include "storage/postgres/connection.hpp"

namespace gatehouse::storage {
using namespace postgres;  // this file is the PostgreSQL side of SqlCounterStore
namespace {

constexpr Query kHit{"rate_hit", R"sql(
INSERT INTO rate_counters (key, expires_at, hits) VALUES ($1, $2, 1)
ON CONFLICT (key) DO UPDATE SET hits = rate_counters.hits + 1 RETURNING hits)sql"};
constexpr Query kHits{"rate_hits", "SELECT hits FROM rate_counters WHERE key = $1"};
constexpr Query kRelease{"rate_release", "UPDATE rate_counters SET hits = hits - 1 WHERE key = $1 AND hits > 0"};
constexpr Query kPurgeCounters{"purge_rate_counters", R"sql(
DELETE FROM rate_counters WHERE key IN (
  SELECT key FROM rate_counters WHERE expires_at < $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED))sql"};

}  // namespace

template <>
std::int64_t SqlCounterStore<postgres::Connection>::hit(const std::string& key, UnixSeconds expires_at) {
  auto connection = pool_.acquire();
  return connection->execute(kHit, Params().text(key).int8(expires_at)).row(0).int8(0);
}

template <>
std::int64_t SqlCounterStore<postgres::Connection>::hits(const std::string& key) {
  if (!is_storable_text(key)) return 0;  // no such window can exist
  auto connection = pool_.acquire();
  const auto result = connection->execute(kHits, Params().text(key));
  return result.rows() == 0 ? 0 : result.row(0).int8(0);
}

template <>
void SqlCounterStore<postgres::Connection>::release(const std::string& key) {
  if (!is_storable_text(key)) return;  // no such window can exist
  auto connection = pool_.acquire();
  connection->execute(kRelease, Params().text(key));
}

template <>
std::size_t SqlCounterStore<postgres::Connection>::purge_expired(UnixSeconds now, std::size_t limit) {
  return purge_batch(pool_, kPurgeCounters, now, limit);
}

}  // namespace gatehouse::storage
