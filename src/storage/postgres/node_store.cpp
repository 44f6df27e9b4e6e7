// cluster::NodeStore on PostgreSQL: joining the cluster (storage/node_store.hpp has the rest).
#include "storage/node_store.hpp"

#include "storage/postgres/connection.hpp"

namespace gatehouse::storage {
using namespace postgres;  // this file is the PostgreSQL side of SqlNodeStore
namespace {

// Join in one statement: insert, or take the row over unless another instance holds it live (up
// and checked in within the window, $11). A racing join of the same id waits for this one's
// commit and then sees it as the live holder: exactly one joins.
constexpr Query kJoinNode{"join_node", R"sql(
INSERT INTO cluster_nodes (node_id, instance, url, version, state, started_at, last_checkin, config_hash, keyset, applied_event,
                           clock_skew_ms)
VALUES ($1, $2, $3, $4, 'up', $5, $6, $7, $8, $9, $10)
ON CONFLICT (node_id) DO UPDATE SET instance = excluded.instance, url = excluded.url, version = excluded.version,
  state = 'up', started_at = excluded.started_at, last_checkin = excluded.last_checkin,
  config_hash = excluded.config_hash, keyset = excluded.keyset, applied_event = excluded.applied_event,
  clock_skew_ms = excluded.clock_skew_ms
 WHERE NOT (cluster_nodes.state = 'up' AND cluster_nodes.instance <> excluded.instance
            AND cluster_nodes.last_checkin >= excluded.last_checkin - $11)
RETURNING node_id)sql"};
// The server's clock in Unix ms (clock_timestamp: the time of the call, not of the transaction).
constexpr Query kStoreClock{"store_clock", "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint"};

}  // namespace

template <>
cluster::JoinResult SqlNodeStore<postgres::Connection>::join(const cluster::NodeRecord& self, UnixMillis live_window) {
  auto connection = pool_.acquire();
  if (run(*connection, kJoinNode, [&](Params& p) { node_params(p, self).int8(live_window); }) == 1) {
    return {true, std::nullopt};
  }
  // Refused: a new statement sees the holder as committed.
  auto holder = first_row(
      *connection, node_sql::kFind, [&](Params& p) { p.text(self.node_id); },
      [](const Row& row) { return node_from_row(row); });
  return {false, std::move(holder)};
}

template <>
std::optional<cluster::ClockSample> SqlNodeStore<postgres::Connection>::store_clock(const Clock& local) {
  auto connection = pool_.acquire();
  cluster::ClockSample sample;
  sample.before = local.now_ms();
  sample.store = connection->execute(kStoreClock).row(0).int8(0);
  sample.after = local.now_ms();
  return sample;
}

}  // namespace gatehouse::storage
