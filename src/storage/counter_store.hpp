#pragma once
// limits::CounterStore on SQL (rate-limit windows), written once for both backends
// (storage/query.hpp).

#include "core/error.hpp"
#include "limits/counter_store.hpp"
#include "storage/connection_pool.hpp"
#include "storage/query.hpp"

namespace gatehouse::storage {

namespace counter_sql {
inline constexpr Query kHit{"rate_hit", R"sql(
INSERT INTO rate_counters (key, expires_at, hits) VALUES ($1, $2, 1)
ON CONFLICT (key) DO UPDATE SET hits = rate_counters.hits + 1 RETURNING hits)sql"};
inline constexpr Query kHits{"rate_hits", "SELECT hits FROM rate_counters WHERE key = $1"};
inline constexpr Query kRelease{"rate_release",
    "UPDATE rate_counters SET hits = hits - 1 WHERE key = $1 AND hits > 0"};
inline const PurgeQuery kPurge{"purge_rate_counters", "rate_counters", "key", "expires_at < $1", "expires_at"};
}  // namespace counter_sql

template <class Connection>
class SqlCounterStore final : public limits::CounterStore {
 public:
  explicit SqlCounterStore(ConnectionPool<Connection>& pool) : pool_(pool) {}

  std::int64_t hit(const std::string& key, UnixSeconds expires_at) override {
    auto connection = pool_.acquire();
    const auto hits = first_row(
        *connection, counter_sql::kHit, [&](auto& p) { p.text(key).int8(expires_at); },
        [](const auto& row) { return row.int64(0); });
    if (!hits) throw StorageError("counting a rate-limit hit returned no count");
    return *hits;
  }

  std::int64_t hits(const std::string& key) override {
    if (!Connection::storable_text(key)) return 0;  // no such window can exist
    auto connection = pool_.acquire();
    const auto hits = first_row(
        *connection, counter_sql::kHits, [&](auto& p) { p.text(key); }, [](const auto& row) { return row.int64(0); });
    return hits.value_or(0);
  }

  void release(const std::string& key) override {
    if (!Connection::storable_text(key)) return;  // no such window can exist
    auto connection = pool_.acquire();
    run(*connection, counter_sql::kRelease, [&](auto& p) { p.text(key); });
  }

  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override {
    return purge_batch(pool_, in_dialect<Connection>(counter_sql::kPurge), now, limit);
  }

 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
