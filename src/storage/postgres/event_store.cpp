// cluster::EventStore on PostgreSQL: the cluster event log (appends NOTIFY the listening nodes).
#include "storage/event_store.hpp"

#include "storage/postgres/connection.hpp"
#include "storage/sql_count.hpp"

namespace gatehouse::storage {
using namespace postgres;  // this file is the PostgreSQL side of SqlEventStore
namespace {

// The highest committed seq: a transaction still writing an event holds its seq back, and a node
// that starts from here reads that event once it commits (a sequence's last value would skip it).
constexpr Query kLatestSeq{"latest_event_seq", "SELECT coalesce(max(seq), 0) FROM cluster_events"};
constexpr Query kReadEvents{"read_events",
    "SELECT seq, kind, key, created_at FROM cluster_events WHERE seq > $1 ORDER BY seq LIMIT $2"};
// The cluster_events_lock trigger orders it with every other event writer (0001_initial.sql).
constexpr Query kAppendEvent{"append_event",
    "WITH e AS (INSERT INTO cluster_events (kind, key, created_at) VALUES ($1, $2, $3) RETURNING seq) "
    "SELECT seq, pg_notify('gatehouse_events', '') FROM e"};
constexpr Query kPurgeEvents{"purge_events", R"sql(
DELETE FROM cluster_events WHERE seq IN (
  SELECT seq FROM cluster_events WHERE created_at < $1 ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED))sql"};

}  // namespace

template <>
std::int64_t SqlEventStore<postgres::Connection>::latest_seq() {
  auto connection = pool_.acquire();
  return connection->execute(kLatestSeq).row(0).int8(0);
}

template <>
std::vector<cluster::ClusterEvent> SqlEventStore<postgres::Connection>::read_after(std::int64_t after, std::size_t limit) {
  auto connection = pool_.acquire();
  const auto result = connection->execute(kReadEvents, Params().int8(after).int8(to_sql_count(limit)));
  std::vector<cluster::ClusterEvent> out;
  out.reserve(static_cast<std::size_t>(result.rows()));
  for (int i = 0; i < result.rows(); ++i) {
    const Row r = result.row(i);
    out.push_back({r.int8(0), r.text(1), r.text(2), r.int8(3)});
  }
  return out;
}

template <>
std::int64_t SqlEventStore<postgres::Connection>::append(const std::string& kind, const std::string& key, UnixMillis now) {
  auto connection = pool_.acquire();
  return connection->execute(kAppendEvent, Params().text(kind).text(key).int8(now)).row(0).int8(0);
}

template <>
std::size_t SqlEventStore<postgres::Connection>::purge_before(UnixMillis before, std::size_t limit) {
  return purge_batch(pool_, kPurgeEvents, before, limit);
}

}  // namespace gatehouse::storage
