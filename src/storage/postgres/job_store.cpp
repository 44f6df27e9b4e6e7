// cluster::JobStore on PostgreSQL: cluster jobs, their leases and runs.
#include "storage/job_store.hpp"

#include "storage/postgres/connection.hpp"
#include "storage/sql_count.hpp"

namespace gatehouse::storage {
using namespace postgres;  // this file is the PostgreSQL side of SqlJobStore
namespace {

constexpr Query kEnsureJob{"ensure_job", R"sql(
INSERT INTO jobs (name, next_run) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET next_run = $3 WHERE jobs.next_run > $3)sql"};
// claim() decides on the job row locked: a racing claimer waits, then finds the lease taken.
constexpr Query kLockJob{"lock_job",
    "SELECT next_run, lease_owner, lease_expires, run_id FROM jobs WHERE name = $1 FOR UPDATE"};
constexpr Query kAbandonRun{"abandon_job_run",
    "UPDATE job_runs SET outcome = 'abandoned', finished_at = $2 WHERE id = $1 AND outcome = 'running'"};
constexpr Query kInsertRun{"insert_job_run",
    "INSERT INTO job_runs (job, node_id, started_at, outcome) VALUES ($1, $2, $3, 'running') RETURNING id"};
constexpr Query kTakeLease{"take_job_lease",
    "UPDATE jobs SET lease_owner = $2, lease_expires = $3, run_id = $4 WHERE name = $1"};
constexpr Query kFinishJob{"finish_job", R"sql(
UPDATE jobs SET lease_owner = '', lease_expires = 0, run_id = NULL, next_run = $4
 WHERE name = $1 AND lease_owner = $2 AND run_id = $3)sql"};
constexpr Query kFinishRun{"finish_job_run",
    "UPDATE job_runs SET outcome = $2, detail = $3, finished_at = $4 WHERE id = $1"};
constexpr Query kLockOwnedJobs{"lock_owned_jobs",
    "SELECT run_id FROM jobs WHERE lease_owner = $1 AND run_id IS NOT NULL FOR UPDATE"};
constexpr Query kReleaseOwner{"release_job_owner",
    "UPDATE jobs SET lease_owner = '', lease_expires = 0, run_id = NULL WHERE lease_owner = $1"};
constexpr Query kMakeDue{"make_job_due", "UPDATE jobs SET next_run = least(next_run, $2) WHERE name = $1"};
constexpr Query kListJobs{"list_jobs", "SELECT name, next_run, lease_owner, lease_expires FROM jobs ORDER BY name"};
constexpr Query kRunsAll{"list_job_runs", R"sql(
SELECT id, job, node_id, started_at, finished_at, outcome, detail FROM job_runs
 ORDER BY started_at DESC, id DESC LIMIT $1)sql"};
constexpr Query kRunsOfJob{"list_runs_of_job", R"sql(
SELECT id, job, node_id, started_at, finished_at, outcome, detail FROM job_runs WHERE job = $2
 ORDER BY started_at DESC, id DESC LIMIT $1)sql"};

}  // namespace

template <>
void SqlJobStore<postgres::Connection>::ensure(const std::string& name, UnixMillis first_run, UnixMillis due_by) {
  auto connection = pool_.acquire();
  connection->execute(kEnsureJob, Params().text(name).int8(first_run).int8(due_by));
}

template <>
std::optional<cluster::Claim> SqlJobStore<postgres::Connection>::claim(const std::string& name, const std::string& owner, UnixMillis now,
                                                UnixMillis lease) {
  auto connection = pool_.acquire();
  Transaction tx(*connection);
  std::optional<std::int64_t> stale_run;
  {
    const auto job = connection->execute(kLockJob, Params().text(name));
    if (job.empty()) return std::nullopt;
    const Row r = job.row(0);
    if (r.int8(0) > now) return std::nullopt;                            // not due
    if (!r.text(1).empty() && r.int8(2) >= now) return std::nullopt;     // leased
    stale_run = r.optional_int8(3);
  }
  if (stale_run) connection->execute(kAbandonRun, Params().int8(*stale_run).int8(now));
  const auto run_id = connection->execute(kInsertRun, Params().text(name).text(owner).int8(now)).row(0).int8(0);
  connection->execute(kTakeLease, Params().text(name).text(owner).int8(now + lease).int8(run_id));
  tx.commit();
  return cluster::Claim{run_id};
}

template <>
bool SqlJobStore<postgres::Connection>::finish(const std::string& name, const cluster::Claim& claim, const std::string& owner, UnixMillis now,
                        UnixMillis next_run, const std::string& outcome, const std::string& detail) {
  auto connection = pool_.acquire();
  Transaction tx(*connection);
  const Params release = Params().text(name).text(owner).int8(claim.run_id).int8(next_run);
  if (connection->execute(kFinishJob, release).affected() != 1) return false;
  connection->execute(kFinishRun, Params().int8(claim.run_id).text(outcome).text(detail).int8(now));
  tx.commit();
  return true;
}

template <>
std::size_t SqlJobStore<postgres::Connection>::release_owner(const std::string& owner, UnixMillis now) {
  auto connection = pool_.acquire();
  Transaction tx(*connection);
  std::vector<std::int64_t> runs;
  {
    const auto owned = connection->execute(kLockOwnedJobs, Params().text(owner));
    for (int i = 0; i < owned.rows(); ++i) runs.push_back(owned.row(i).int8(0));
  }
  for (auto id : runs) connection->execute(kAbandonRun, Params().int8(id).int8(now));
  const auto released = connection->execute(kReleaseOwner, Params().text(owner)).affected();
  tx.commit();
  return static_cast<std::size_t>(released);
}

template <>
bool SqlJobStore<postgres::Connection>::make_due(const std::string& name, UnixMillis now) {
  auto connection = pool_.acquire();
  return connection->execute(kMakeDue, Params().text(name).int8(now)).affected() == 1;
}

template <>
std::vector<cluster::JobInfo> SqlJobStore<postgres::Connection>::list() {
  auto connection = pool_.acquire();
  const auto result = connection->execute(kListJobs);
  std::vector<cluster::JobInfo> out;
  for (int i = 0; i < result.rows(); ++i) {
    const Row r = result.row(i);
    out.push_back({r.text(0), r.int8(1), r.text(2), r.int8(3)});
  }
  return out;
}

template <>
std::vector<cluster::JobRun> SqlJobStore<postgres::Connection>::runs(const std::string& job, std::size_t limit) {
  auto connection = pool_.acquire();
  const auto result = job.empty() ? connection->execute(kRunsAll, Params().int8(to_sql_count(limit)))
                                  : connection->execute(kRunsOfJob, Params().int8(to_sql_count(limit)).text(job));
  std::vector<cluster::JobRun> out;
  for (int i = 0; i < result.rows(); ++i) out.push_back(job_run_from_row(result.row(i)));
  return out;
}

}  // namespace gatehouse::storage
