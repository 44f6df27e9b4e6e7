#pragma once
// cluster::JobStore on SQL, declared once for both backends. Each backend defines the member
// functions for its own connection type (explicit specializations) in
// storage/<backend>/job_store.cpp, in its own dialect; the purge is written once here.

#include <optional>

#include "cluster/job_store.hpp"
#include "storage/connection_pool.hpp"
#include "storage/query.hpp"

namespace gatehouse::storage {

namespace job_sql {
inline const PurgeQuery kPurgeRuns{"purge_job_runs", "job_runs", "id", "started_at < $1 AND finished_at IS NOT NULL",
                                   "id"};
}  // namespace job_sql

/// A job_runs row in the column order both backends' run queries share: id, job, node_id,
/// started_at, finished_at (NULL while running), outcome, detail. `Row` is sqlite::Statement or
/// postgres::Row.
template <class Row>
cluster::JobRun job_run_from_row(const Row& r) {
  return cluster::JobRun{.id = r.int64(0),
                         .job = r.text(1),
                         .node_id = r.text(2),
                         .started_at = r.int64(3),
                         .finished_at = r.is_null(4) ? std::nullopt : std::optional<UnixMillis>(r.int64(4)),
                         .outcome = r.text(5),
                         .detail = r.text(6)};
}

template <class Connection>
class SqlJobStore final : public cluster::JobStore {
 public:
  explicit SqlJobStore(ConnectionPool<Connection>& pool) : pool_(pool) {}
  void ensure(const std::string& name, UnixMillis first_run, UnixMillis due_by) override;
  std::optional<cluster::Claim> claim(const std::string& name, const std::string& owner, UnixMillis now,
                                      UnixMillis lease) override;
  bool finish(const std::string& name, const cluster::Claim& claim, const std::string& owner, UnixMillis now,
              UnixMillis next_run, const std::string& outcome, const std::string& detail) override;
  std::size_t release_owner(const std::string& owner, UnixMillis now) override;
  bool make_due(const std::string& name, UnixMillis now) override;
  std::vector<cluster::JobInfo> list() override;
  std::vector<cluster::JobRun> runs(const std::string& job, std::size_t limit) override;
  std::size_t purge_runs(UnixMillis before, std::size_t limit) override {
    return purge_batch(pool_, in_dialect<Connection>(job_sql::kPurgeRuns), before, limit);
  }

 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
