// cluster::NodeStore on SQLite: membership of a single node (or of several processes sharing one
// database file, such as a node and a `gatehouse` command).
#include "storage/node_store.hpp"

#include "storage/sqlite/connection.hpp"

namespace gatehouse::storage {
using namespace sqlite;  // this file is the SQLite side of SqlNodeStore
namespace {

constexpr Query kFindNode{"find_node", R"sql(
SELECT node_id, instance, url, version, state, started_at, last_checkin, config_hash, keyset, applied_event
  FROM cluster_nodes WHERE node_id = ?1)sql"};
constexpr Query kListNodes{"list_nodes", R"sql(
SELECT node_id, instance, url, version, state, started_at, last_checkin, config_hash, keyset, applied_event
  FROM cluster_nodes ORDER BY node_id)sql"};
// Inserts or replaces the row: the caller checked, inside the same write transaction, that the id
// is free.
constexpr Query kUpsertNode{"upsert_node", R"sql(
INSERT INTO cluster_nodes (node_id, instance, url, version, state, started_at, last_checkin, config_hash, keyset, applied_event)
VALUES (?1, ?2, ?3, ?4, 'up', ?5, ?6, ?7, ?8, ?9)
ON CONFLICT (node_id) DO UPDATE SET instance = excluded.instance, url = excluded.url, version = excluded.version,
  state = 'up', started_at = excluded.started_at, last_checkin = excluded.last_checkin,
  config_hash = excluded.config_hash, keyset = excluded.keyset, applied_event = excluded.applied_event)sql"};
constexpr Query kCheckIn{"check_in_node", R"sql(
UPDATE cluster_nodes SET url = ?3, version = ?4, state = 'up', last_checkin = ?5, config_hash = ?6, keyset = ?7,
                         applied_event = ?8
 WHERE node_id = ?1 AND instance = ?2 AND state <> 'left')sql"};
constexpr Query kLeave{"leave_node",
    "UPDATE cluster_nodes SET state = 'left', last_checkin = ?3 WHERE node_id = ?1 AND instance = ?2"};
constexpr Query kMarkRecovering{"mark_nodes_recovering", R"sql(
UPDATE cluster_nodes SET state = 'recovering' WHERE state = 'up' AND last_checkin < ?1
RETURNING node_id, instance, url, version, state, started_at, last_checkin, config_hash, keyset, applied_event)sql"};
constexpr Query kRemoveDead{"remove_dead_nodes", R"sql(
DELETE FROM cluster_nodes WHERE state IN ('recovering', 'left') AND last_checkin < ?1
RETURNING node_id, instance, url, version, state, started_at, last_checkin, config_hash, keyset, applied_event)sql"};

std::vector<cluster::NodeRecord> read_nodes(Statement& s) {
  std::vector<cluster::NodeRecord> out;
  while (s.step()) out.push_back(node_from_row(s));
  return out;
}

}  // namespace

template <>
cluster::JoinResult SqlNodeStore<sqlite::Connection>::join(const cluster::NodeRecord& self, UnixMillis live_window) {
  auto connection = pool_.acquire();
  Transaction tx(*connection, Transaction::Mode::kImmediate);
  {
    Statement find(*connection, kFindNode);
    find.bind_text(1, self.node_id);
    if (find.step()) {
      auto holder = node_from_row(find);
      const bool live = holder.state == cluster::NodeState::kUp && holder.instance != self.instance &&
                        holder.last_checkin >= self.last_checkin - live_window;
      if (live) return {false, std::move(holder)};
    }
  }
  Statement upsert(*connection, kUpsertNode);
  upsert.bind_text(1, self.node_id)
      .bind_text(2, self.instance)
      .bind_text(3, self.url)
      .bind_text(4, self.version)
      .bind_int(5, self.started_at)
      .bind_int(6, self.last_checkin)
      .bind_text(7, self.config_hash)
      .bind_text(8, self.keyset)
      .bind_int(9, self.applied_event)
      .run();
  tx.commit();
  return {true, std::nullopt};
}

template <>
bool SqlNodeStore<sqlite::Connection>::check_in(const cluster::NodeRecord& self) {
  auto connection = pool_.acquire();
  Statement s(*connection, kCheckIn);
  s.bind_text(1, self.node_id)
      .bind_text(2, self.instance)
      .bind_text(3, self.url)
      .bind_text(4, self.version)
      .bind_int(5, self.last_checkin)
      .bind_text(6, self.config_hash)
      .bind_text(7, self.keyset)
      .bind_int(8, self.applied_event)
      .run();
  return connection->changes() == 1;
}

template <>
void SqlNodeStore<sqlite::Connection>::leave(const std::string& node_id, const std::string& instance, UnixMillis now) {
  auto connection = pool_.acquire();
  Statement s(*connection, kLeave);
  s.bind_text(1, node_id).bind_text(2, instance).bind_int(3, now).run();
}

template <>
std::vector<cluster::NodeRecord> SqlNodeStore<sqlite::Connection>::list() {
  auto connection = pool_.acquire();
  Statement s(*connection, kListNodes);
  return read_nodes(s);
}

template <>
std::vector<cluster::NodeRecord> SqlNodeStore<sqlite::Connection>::mark_recovering(UnixMillis silent_since) {
  auto connection = pool_.acquire();
  Statement s(*connection, kMarkRecovering);
  s.bind_int(1, silent_since);
  return read_nodes(s);
}

template <>
std::vector<cluster::NodeRecord> SqlNodeStore<sqlite::Connection>::remove_dead(UnixMillis silent_since) {
  auto connection = pool_.acquire();
  Statement s(*connection, kRemoveDead);
  s.bind_int(1, silent_since);
  return read_nodes(s);
}

}  // namespace gatehouse::storage
