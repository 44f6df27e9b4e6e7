#pragma once
// cluster::JobStore on SQL, declared once for both backends. Each backend defines the member
// functions for its own connection type (explicit specializations) in
// storage/<backend>/job_store.cpp, in its own dialect.

#include "cluster/job_store.hpp"
#include "storage/connection_pool.hpp"

namespace gatehouse::storage {

template <class Connection>
class SqlJobStore final : public cluster::JobStore {
 public:
  explicit SqlJobStore(ConnectionPool<Connection>& pool) : pool_(pool) {}
  void ensure(const std::string& name, UnixMillis first_run) override;
  std::optional<cluster::Claim> claim(const std::string& name, const std::string& owner, UnixMillis now,
                                      UnixMillis lease) override;
  bool finish(const std::string& name, const cluster::Claim& claim, const std::string& owner, UnixMillis now,
              UnixMillis next_run, const std::string& outcome, const std::string& detail) override;
  std::size_t release_owner(const std::string& owner, UnixMillis now) override;
  bool make_due(const std::string& name, UnixMillis now) override;
  std::vector<cluster::JobInfo> list() override;
  std::vector<cluster::JobRun> runs(const std::string& job, std::size_t limit) override;
  std::size_t purge_runs(UnixMillis before, std::size_t limit) override;


 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
