// cluster::EventStore on SQLite: the cluster event log (no NOTIFY: a SQLite node polls).
#include "storage/event_store.hpp"

#include "core/error.hpp"
#include "storage/sql_count.hpp"
#include "storage/sqlite/connection.hpp"

namespace gatehouse::storage {
using namespace sqlite;  // this file is the SQLite side of SqlEventStore
namespace {

constexpr Query kLatestSeq{"latest_event_seq", R"sql(
SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'cluster_events'), 0),
           coalesce((SELECT max(seq) FROM cluster_events), 0)))sql"};
constexpr Query kReadEvents{"read_events",
    "SELECT seq, kind, key, created_at FROM cluster_events WHERE seq > ?1 ORDER BY seq LIMIT ?2"};
constexpr Query kAppendEvent{"append_event",
    "INSERT INTO cluster_events (kind, key, created_at) VALUES (?1, ?2, ?3) RETURNING seq"};
constexpr Query kPurgeEvents{"purge_events", R"sql(
DELETE FROM cluster_events WHERE seq IN (
  SELECT seq FROM cluster_events WHERE created_at < ?1 ORDER BY seq LIMIT ?2))sql"};

}  // namespace

template <>
std::int64_t SqlEventStore<sqlite::Connection>::latest_seq() {
  auto connection = pool_.acquire();
  Statement s(*connection, kLatestSeq);
  return s.step() ? s.int64(0) : 0;
}

template <>
std::vector<cluster::ClusterEvent> SqlEventStore<sqlite::Connection>::read_after(std::int64_t after, std::size_t limit) {
  auto connection = pool_.acquire();
  Statement s(*connection, kReadEvents);
  s.bind_int(1, after).bind_int(2, to_sql_count(limit));
  std::vector<cluster::ClusterEvent> out;
  while (s.step()) out.push_back({s.int64(0), s.text(1), s.text(2), s.int64(3)});
  return out;
}

template <>
std::int64_t SqlEventStore<sqlite::Connection>::append(const std::string& kind, const std::string& key, UnixMillis now) {
  auto connection = pool_.acquire();
  Statement s(*connection, kAppendEvent);
  s.bind_text(1, kind).bind_text(2, key).bind_int(3, now);
  if (!s.step()) throw StorageError("sqlite: appending a cluster event returned no sequence number");
  return s.int64(0);
}

template <>
std::size_t SqlEventStore<sqlite::Connection>::purge_before(UnixMillis before, std::size_t limit) {
  return purge_batch(pool_, kPurgeEvents, before, limit);
}

}  // namespace gatehouse::storage
