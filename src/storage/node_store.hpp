#pragma once
// cluster::NodeStore on SQL (cluster membership), declared once for both backends. What both do
// alike is written here once (storage/query.hpp); each backend defines join(), which the two
// serialize differently, for its own connection type in storage/<backend>/node_store.cpp.

#include "cluster/node_store.hpp"
#include "storage/connection_pool.hpp"
#include "storage/query.hpp"

namespace gatehouse::storage {

namespace node_sql {
// The column order every read shares; node_from_row() depends on it.
#define GH_NODE_COLUMNS \
  "node_id, instance, url, version, state, started_at, last_checkin, config_hash, keyset, applied_event, clock_skew_ms"
inline constexpr Query kFind{"find_node", "SELECT " GH_NODE_COLUMNS " FROM cluster_nodes WHERE node_id = $1"};
inline constexpr Query kList{"list_nodes", "SELECT " GH_NODE_COLUMNS " FROM cluster_nodes ORDER BY node_id"};
// On PostgreSQL a racing caller waits on the row lock, re-checks the condition on the committed row
// and skips it: each row goes to exactly one caller (SQLite runs one writer at a time).
inline constexpr Query kMarkRecovering{"mark_nodes_recovering", R"sql(
UPDATE cluster_nodes SET state = 'recovering' WHERE state = 'up' AND last_checkin < $1
RETURNING )sql" GH_NODE_COLUMNS};
inline constexpr Query kRemoveDead{"remove_dead_nodes", R"sql(
DELETE FROM cluster_nodes WHERE state IN ('recovering', 'left') AND last_checkin < $1
RETURNING )sql" GH_NODE_COLUMNS};
#undef GH_NODE_COLUMNS
inline constexpr Query kCheckIn{"check_in_node", R"sql(
UPDATE cluster_nodes SET url = $3, version = $4, state = 'up', last_checkin = $5, config_hash = $6, keyset = $7,
                         applied_event = $8, clock_skew_ms = $9
 WHERE node_id = $1 AND instance = $2 AND state <> 'left')sql"};
inline constexpr Query kLeave{"leave_node",
    "UPDATE cluster_nodes SET state = 'left', last_checkin = $3 WHERE node_id = $1 AND instance = $2"};
}  // namespace node_sql

/// A cluster_nodes row read in the column order both backends' node queries share: node_id,
/// instance, url, version, state, started_at, last_checkin, config_hash, keyset, applied_event,
/// clock_skew_ms.
/// `Row` is sqlite::Statement or postgres::Row (text() and int64() by column).
template <class Row>
cluster::NodeRecord node_from_row(const Row& r) {
  return cluster::NodeRecord{
      .node_id = r.text(0),
      .instance = r.text(1),
      .url = r.text(2),
      .version = r.text(3),
      .state = cluster::node_state_from_string(r.text(4)).value_or(cluster::NodeState::kLeft),
      .started_at = r.int64(5),
      .last_checkin = r.int64(6),
      .config_hash = r.text(7),
      .keyset = r.text(8),
      .applied_event = r.int64(9),
      .clock_skew_ms = r.is_null(10) ? std::nullopt : std::optional<std::int64_t>(r.int64(10))};
}

/// The parameters of a node's join ($1 ... $10: the written columns but state). `Params` is
/// postgres::Params or sqlite::Binder.
template <class Params>
Params& node_params(Params& p, const cluster::NodeRecord& n) {
  return p.text(n.node_id)
      .text(n.instance)
      .text(n.url)
      .text(n.version)
      .int8(n.started_at)
      .int8(n.last_checkin)
      .text(n.config_hash)
      .text(n.keyset)
      .int8(n.applied_event)
      .int8(n.clock_skew_ms);
}

template <class Connection>
class SqlNodeStore final : public cluster::NodeStore {
 public:
  explicit SqlNodeStore(ConnectionPool<Connection>& pool) : pool_(pool) {}

  cluster::JoinResult join(const cluster::NodeRecord& self, UnixMillis live_window) override;

  bool check_in(const cluster::NodeRecord& n) override {
    auto connection = pool_.acquire();
    return run(*connection, node_sql::kCheckIn, [&](auto& p) {
             p.text(n.node_id)
                 .text(n.instance)
                 .text(n.url)
                 .text(n.version)
                 .int8(n.last_checkin)
                 .text(n.config_hash)
                 .text(n.keyset)
                 .int8(n.applied_event)
                 .int8(n.clock_skew_ms);
           }) == 1;
  }

  std::optional<cluster::ClockSample> store_clock(const Clock& local) override;

  void leave(const std::string& node_id, const std::string& instance, UnixMillis now) override {
    auto connection = pool_.acquire();
    run(*connection, node_sql::kLeave, [&](auto& p) { p.text(node_id).text(instance).int8(now); });
  }

  std::vector<cluster::NodeRecord> list() override { return nodes(node_sql::kList, kNoParams); }

  std::vector<cluster::NodeRecord> mark_recovering(UnixMillis silent_since) override {
    return nodes(node_sql::kMarkRecovering, [&](auto& p) { p.int8(silent_since); });
  }

  std::vector<cluster::NodeRecord> remove_dead(UnixMillis silent_since) override {
    return nodes(node_sql::kRemoveDead, [&](auto& p) { p.int8(silent_since); });
  }

 private:
  template <class Bind>
  std::vector<cluster::NodeRecord> nodes(const Query& query, Bind&& bind) {
    auto connection = pool_.acquire();
    std::vector<cluster::NodeRecord> out;
    for_each_row(*connection, query, bind, [&](const auto& row) { out.push_back(node_from_row(row)); });
    return out;
  }

  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
