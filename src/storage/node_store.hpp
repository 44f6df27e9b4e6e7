#pragma once
// cluster::NodeStore on SQL, declared once for both backends. Each backend defines the member
// functions for its own connection type (explicit specializations) in
// storage/<backend>/node_store.cpp, in its own dialect.

#include "cluster/node_store.hpp"
#include "storage/connection_pool.hpp"

namespace gatehouse::storage {

/// A cluster_nodes row read in the column order both backends' node queries share: node_id,
/// instance, url, version, state, started_at, last_checkin, config_hash, keyset, applied_event.
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
      .applied_event = r.int64(9)};
}

template <class Connection>
class SqlNodeStore final : public cluster::NodeStore {
 public:
  explicit SqlNodeStore(ConnectionPool<Connection>& pool) : pool_(pool) {}
  cluster::JoinResult join(const cluster::NodeRecord& self, UnixMillis live_window) override;
  bool check_in(const cluster::NodeRecord& self) override;
  void leave(const std::string& node_id, const std::string& instance, UnixMillis now) override;
  std::vector<cluster::NodeRecord> list() override;
  std::vector<cluster::NodeRecord> mark_recovering(UnixMillis silent_since) override;
  std::vector<cluster::NodeRecord> remove_dead(UnixMillis silent_since) override;


 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
