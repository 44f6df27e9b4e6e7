#pragma once
// cluster::NodeStore on SQL: declared once for both backends. Each backend defines the member functions for
// its own connection type in storage/<backend>/node_store.cpp (explicit specializations), in its dialect.

#include "cluster/node_store.hpp"
#include "storage/connection_pool.hpp"

namespace gatehouse::storage {

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
