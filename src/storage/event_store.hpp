#pragma once
// cluster::EventStore on SQL, declared once for both backends. Each backend defines the member
// functions for its own connection type (explicit specializations) in
// storage/<backend>/event_store.cpp, in its own dialect.

#include "cluster/event_store.hpp"
#include "storage/connection_pool.hpp"

namespace gatehouse::storage {

template <class Connection>
class SqlEventStore final : public cluster::EventStore {
 public:
  explicit SqlEventStore(ConnectionPool<Connection>& pool) : pool_(pool) {}
  std::int64_t latest_seq() override;
  std::vector<cluster::ClusterEvent> read_after(std::int64_t after, std::size_t limit) override;
  std::int64_t append(const std::string& kind, const std::string& key, UnixMillis now) override;
  std::size_t purge_before(UnixMillis before, std::size_t limit) override;


 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
