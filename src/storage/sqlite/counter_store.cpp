// limits::CounterStore on SQLite: rate-limit windows.
#include "storage/counter_store.hpp"

#include "storage/sqlite/connection.hpp"

namespace gatehouse::storage {
using namespace sqlite;  // this file is the SQLite side of SqlCounterStore
namespace {

constexpr Query kHit{"rate_hit", R"sql(
INSERT INTO rate_counters (key, expires_at, hits) VALUES (?1, ?2, 1)
ON CONFLICT (key) DO UPDATE SET hits = hits + 1 RETURNING hits)sql"};
constexpr Query kHits{"rate_hits", "SELECT hits FROM rate_counters WHERE key = ?1"};
constexpr Query kRelease{"rate_release", "UPDATE rate_counters SET hits = hits - 1 WHERE key = ?1 AND hits > 0"};

constexpr Query kPurgeCounters{"purge_rate_counters", R"sql(
DELETE FROM rate_counters WHERE rowid IN (
  SELECT rowid FROM rate_counters WHERE expires_at < ?1 ORDER BY expires_at LIMIT ?2))sql"};

}  // namespace

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
  return purge_batch(pool_, kPurgeCounters, now, limit);
}

}  // namespace gatehouse::storage
