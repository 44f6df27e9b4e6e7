#pragma once
// cluster::EventStore on SQL (the cluster event log), written once for both backends
// (storage/query.hpp). PostgreSQL's appends NOTIFY the listening nodes; a SQLite node polls.

#include "cluster/event_store.hpp"
#include "core/error.hpp"
#include "storage/connection_pool.hpp"
#include "storage/query.hpp"
#include "storage/sql_count.hpp"

namespace gatehouse::storage {

namespace event_sql {
// The highest seq ever handed out. SQLite: AUTOINCREMENT's counter, which a purge of every event
// leaves in place. PostgreSQL: the highest committed seq (a transaction still writing an event
// holds its seq back, and a node that starts from here reads that event once it commits; a
// sequence's last value would skip it).
inline constexpr DialectQuery kLatestSeq{
    {"latest_event_seq", R"sql(
SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'cluster_events'), 0),
           coalesce((SELECT max(seq) FROM cluster_events), 0)))sql"},
    {"latest_event_seq", "SELECT coalesce(max(seq), 0) FROM cluster_events"}};
inline constexpr Query kRead{"read_events",
    "SELECT seq, kind, key, created_at FROM cluster_events WHERE seq > $1 ORDER BY seq LIMIT $2"};
// PostgreSQL also notifies the listening nodes; the cluster_events_lock trigger orders it with
// every other event writer (0001_initial.sql).
inline constexpr DialectQuery kAppend{
    {"append_event", "INSERT INTO cluster_events (kind, key, created_at) VALUES ($1, $2, $3) RETURNING seq"},
    {"append_event",
     "WITH e AS (INSERT INTO cluster_events (kind, key, created_at) VALUES ($1, $2, $3) RETURNING seq) "
     "SELECT seq, pg_notify('gatehouse_events', '') FROM e"}};
inline const PurgeQuery kPurge{"purge_events", "cluster_events", "seq", "created_at < $1", "seq"};
}  // namespace event_sql

template <class Connection>
class SqlEventStore final : public cluster::EventStore {
 public:
  explicit SqlEventStore(ConnectionPool<Connection>& pool) : pool_(pool) {}

  std::int64_t latest_seq() override {
    auto connection = pool_.acquire();
    const auto seq = first_row(*connection, in_dialect<Connection>(event_sql::kLatestSeq), kNoParams,
                               [](const auto& row) { return row.int64(0); });
    return seq.value_or(0);
  }

  std::vector<cluster::ClusterEvent> read_after(std::int64_t after, std::size_t limit) override {
    auto connection = pool_.acquire();
    std::vector<cluster::ClusterEvent> out;
    for_each_row(
        *connection, event_sql::kRead, [&](auto& p) { p.int8(after).int8(to_sql_count(limit)); },
        [&](const auto& r) { out.push_back({r.int64(0), r.text(1), r.text(2), r.int64(3)}); });
    return out;
  }

  std::int64_t append(const std::string& kind, const std::string& key, UnixMillis now) override {
    auto connection = pool_.acquire();
    const auto seq = first_row(
        *connection, in_dialect<Connection>(event_sql::kAppend), [&](auto& p) { p.text(kind).text(key).int8(now); },
        [](const auto& row) { return row.int64(0); });
    if (!seq) throw StorageError("appending a cluster event returned no sequence number");
    return *seq;
  }

  std::size_t purge_before(UnixMillis before, std::size_t limit) override {
    return purge_batch(pool_, in_dialect<Connection>(event_sql::kPurge), before, limit);
  }

 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
