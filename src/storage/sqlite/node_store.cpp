// cluster::NodeStore on SQLite: joining, for a single node (or several processes sharing one
// database file, such as a node and a `gatehouse` command); storage/node_store.hpp has the rest.
#include "storage/node_store.hpp"

#include "storage/sqlite/connection.hpp"

namespace gatehouse::storage {
using namespace sqlite;  // this file is the SQLite side of SqlNodeStore
namespace {

// Inserts or replaces the row: the caller checked, inside the same write transaction, that the id
// is free.
constexpr Query kUpsertNode{"upsert_node", R"sql(
INSERT INTO cluster_nodes (node_id, instance, url, version, state, started_at, last_checkin, config_hash, keyset, applied_event,
                           clock_skew_ms)
VALUES (?1, ?2, ?3, ?4, 'up', ?5, ?6, ?7, ?8, ?9, ?10)
ON CONFLICT (node_id) DO UPDATE SET instance = excluded.instance, url = excluded.url, version = excluded.version,
  state = 'up', started_at = excluded.started_at, last_checkin = excluded.last_checkin,
  config_hash = excluded.config_hash, keyset = excluded.keyset, applied_event = excluded.applied_event,
  clock_skew_ms = excluded.clock_skew_ms)sql"};

}  // namespace

template <>
cluster::JoinResult SqlNodeStore<sqlite::Connection>::join(const cluster::NodeRecord& self, UnixMillis live_window) {
  auto connection = pool_.acquire();
  Transaction tx(*connection, Transaction::Mode::kImmediate);
  {
    Statement find(*connection, node_sql::kFind);
    find.bind_text(1, self.node_id);
    if (find.step()) {
      auto holder = node_from_row(find);
      const bool live = holder.state == cluster::NodeState::kUp && holder.instance != self.instance &&
                        holder.last_checkin >= self.last_checkin - live_window;
      if (live) return {false, std::move(holder)};
    }
  }
  run(*connection, kUpsertNode, [&](Binder& p) { node_params(p, self); });
  tx.commit();
  return {true, std::nullopt};
}

// The database file is on this node's machine: there is no other clock to compare with.
template <>
std::optional<cluster::ClockSample> SqlNodeStore<sqlite::Connection>::store_clock(const Clock&) {
  return std::nullopt;
}

}  // namespace gatehouse::storage
