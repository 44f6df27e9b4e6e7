#pragma once
// The cluster ports on SQLite: membership, events and jobs of a single node (or of several
// processes sharing one database file, such as a node and a `gatehouse` command).

#include "cluster/event_store.hpp"
#include "cluster/job_store.hpp"
#include "cluster/node_store.hpp"
#include "storage/sqlite/connection_pool.hpp"

namespace gatehouse::storage::sqlite {

class SqliteNodeStore final : public cluster::NodeStore {
 public:
  explicit SqliteNodeStore(ConnectionPool& pool) : pool_(pool) {}
  cluster::JoinResult join(const cluster::NodeRecord& self, UnixMillis live_window) override;
  bool check_in(const cluster::NodeRecord& self) override;
  void leave(const std::string& node_id, const std::string& instance, UnixMillis now) override;
  std::vector<cluster::NodeRecord> list() override;
  std::vector<cluster::NodeRecord> mark_recovering(UnixMillis silent_since) override;
  std::vector<cluster::NodeRecord> remove_dead(UnixMillis silent_since) override;

 private:
  ConnectionPool& pool_;
};

class SqliteEventStore final : public cluster::EventStore {
 public:
  explicit SqliteEventStore(ConnectionPool& pool) : pool_(pool) {}
  std::int64_t latest_seq() override;
  std::vector<cluster::ClusterEvent> read_after(std::int64_t after, std::size_t limit) override;
  std::int64_t append(const std::string& kind, const std::string& key, UnixMillis now) override;
  std::size_t purge_before(UnixMillis before, std::size_t limit) override;

 private:
  ConnectionPool& pool_;
};

class SqliteJobStore final : public cluster::JobStore {
 public:
  explicit SqliteJobStore(ConnectionPool& pool) : pool_(pool) {}
  void ensure(const std::string& name, UnixMillis first_run) override;
  std::optional<cluster::Claim> claim(const std::string& name, const std::string& owner, UnixMillis now, UnixMillis lease) override;
  bool finish(const std::string& name, const cluster::Claim& claim, const std::string& owner, UnixMillis now,
              UnixMillis next_run, const std::string& outcome, const std::string& detail) override;
  std::size_t release_owner(const std::string& owner, UnixMillis now) override;
  bool make_due(const std::string& name, UnixMillis now) override;
  std::vector<cluster::JobInfo> list() override;
  std::vector<cluster::JobRun> runs(const std::string& job, std::size_t limit) override;
  std::size_t purge_runs(UnixMillis before, std::size_t limit) override;

 private:
  ConnectionPool& pool_;
};

}  // namespace gatehouse::storage::sqlite
