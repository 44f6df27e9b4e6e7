// cluster::NodeStore on PostgreSQL: cluster membership.
#include "storage/node_store.hpp"

#include "storage/postgres/connection.hpp"

namespace gatehouse::storage {
using namespace postgres;  // this file is the PostgreSQL side of SqlNodeStore
namespace {

#define GH_NODE_COLUMNS \
  "node_id, instance, url, version, state, started_at, last_checkin, config_hash, keyset, applied_event"

constexpr Query kFindNode{"find_node", "SELECT " GH_NODE_COLUMNS " FROM cluster_nodes WHERE node_id = $1"};
constexpr Query kListNodes{"list_nodes", "SELECT " GH_NODE_COLUMNS " FROM cluster_nodes ORDER BY node_id"};
// Join in one statement: insert, or take the row over unless another instance holds it live (up
// and checked in within the window, $10). A racing join of the same id waits for this one's
// commit and then sees it as the live holder: exactly one joins.
constexpr Query kJoinNode{"join_node", "INSERT INTO cluster_nodes (" GH_NODE_COLUMNS R"sql()
VALUES ($1, $2, $3, $4, 'up', $5, $6, $7, $8, $9)
ON CONFLICT (node_id) DO UPDATE SET instance = excluded.instance, url = excluded.url, version = excluded.version,
  state = 'up', started_at = excluded.started_at, last_checkin = excluded.last_checkin,
  config_hash = excluded.config_hash, keyset = excluded.keyset, applied_event = excluded.applied_event
 WHERE NOT (cluster_nodes.state = 'up' AND cluster_nodes.instance <> excluded.instance
            AND cluster_nodes.last_checkin >= excluded.last_checkin - $10)
RETURNING node_id)sql"};
constexpr Query kCheckIn{"check_in_node", R"sql(
UPDATE cluster_nodes SET url = $3, version = $4, state = 'up', last_checkin = $5, config_hash = $6, keyset = $7,
                         applied_event = $8
 WHERE node_id = $1 AND instance = $2 AND state <> 'left')sql"};
constexpr Query kLeave{"leave_node",
    "UPDATE cluster_nodes SET state = 'left', last_checkin = $3 WHERE node_id = $1 AND instance = $2"};
// A racing caller waits on the row lock, re-checks the condition on the committed row and skips
// it: each row goes to exactly one caller.
constexpr Query kMarkRecovering{"mark_nodes_recovering", R"sql(
UPDATE cluster_nodes SET state = 'recovering' WHERE state = 'up' AND last_checkin < $1
RETURNING )sql" GH_NODE_COLUMNS};
constexpr Query kRemoveDead{"remove_dead_nodes", R"sql(
DELETE FROM cluster_nodes WHERE state IN ('recovering', 'left') AND last_checkin < $1
RETURNING )sql" GH_NODE_COLUMNS};
#undef GH_NODE_COLUMNS

std::vector<cluster::NodeRecord> read_nodes(const Result& result) {
  std::vector<cluster::NodeRecord> out;
  for (int i = 0; i < result.rows(); ++i) out.push_back(node_from_row(result.row(i)));
  return out;
}

Params node_params(const cluster::NodeRecord& n) {
  Params p;
  p.text(n.node_id)
      .text(n.instance)
      .text(n.url)
      .text(n.version)
      .int8(n.started_at)
      .int8(n.last_checkin)
      .text(n.config_hash)
      .text(n.keyset)
      .int8(n.applied_event);
  return p;
}

}  // namespace

template <>
cluster::JoinResult SqlNodeStore<postgres::Connection>::join(const cluster::NodeRecord& self, UnixMillis live_window) {
  auto connection = pool_.acquire();
  Params params = node_params(self);
  params.int8(live_window);
  if (!connection->execute(kJoinNode, params).empty()) return {true, std::nullopt};
  // Refused: a new statement sees the holder as committed.
  const auto holder = connection->execute(kFindNode, Params().text(self.node_id));
  if (holder.empty()) return {false, std::nullopt};
  return {false, node_from_row(holder.row(0))};
}

template <>
bool SqlNodeStore<postgres::Connection>::check_in(const cluster::NodeRecord& self) {
  auto connection = pool_.acquire();
  Params params;
  params.text(self.node_id)
      .text(self.instance)
      .text(self.url)
      .text(self.version)
      .int8(self.last_checkin)
      .text(self.config_hash)
      .text(self.keyset)
      .int8(self.applied_event);
  return connection->execute(kCheckIn, params).affected() == 1;
}

template <>
void SqlNodeStore<postgres::Connection>::leave(const std::string& node_id, const std::string& instance, UnixMillis now) {
  auto connection = pool_.acquire();
  connection->execute(kLeave, Params().text(node_id).text(instance).int8(now));
}

template <>
std::vector<cluster::NodeRecord> SqlNodeStore<postgres::Connection>::list() {
  auto connection = pool_.acquire();
  return read_nodes(connection->execute(kListNodes));
}

template <>
std::vector<cluster::NodeRecord> SqlNodeStore<postgres::Connection>::mark_recovering(UnixMillis silent_since) {
  auto connection = pool_.acquire();
  return read_nodes(connection->execute(kMarkRecovering, Params().int8(silent_since)));
}

template <>
std::vector<cluster::NodeRecord> SqlNodeStore<postgres::Connection>::remove_dead(UnixMillis silent_since) {
  auto connection = pool_.acquire();
  return read_nodes(connection->execute(kRemoveDead, Params().int8(silent_since)));
}

}  // namespace gatehouse::storage
