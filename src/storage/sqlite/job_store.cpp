// cluster::JobStore on SQLite: jobs, their leases and runs.
#include "storage/job_store.hpp"

#include "core/error.hpp"
#include "storage/sql_count.hpp"
#include "storage/sqlite/connection.hpp"

namespace gatehouse::storage {
using namespace sqlite;  // this file is the SQLite side of SqlJobStore
namespace {

constexpr Query kEnsureJob{"ensure_job", R"sql(
INSERT INTO jobs (name, next_run) VALUES (?1, ?2)
ON CONFLICT (name) DO UPDATE SET next_run = ?3 WHERE jobs.next_run > ?3)sql"};
constexpr Query kFindJobLease{"find_job_lease",
    "SELECT next_run, lease_owner, lease_expires, run_id FROM jobs WHERE name = ?1"};
constexpr Query kAbandonRun{"abandon_job_run",
    "UPDATE job_runs SET outcome = 'abandoned', finished_at = ?2 WHERE id = ?1 AND outcome = 'running'"};
constexpr Query kInsertRun{"insert_job_run", R"sql(
INSERT INTO job_runs (job, node_id, started_at, outcome) VALUES (?1, ?2, ?3, 'running') RETURNING id)sql"};
constexpr Query kTakeLease{"take_job_lease",
    "UPDATE jobs SET lease_owner = ?2, lease_expires = ?3, run_id = ?4 WHERE name = ?1"};
constexpr Query kFinishJob{"finish_job", R"sql(
UPDATE jobs SET lease_owner = '', lease_expires = 0, run_id = NULL, next_run = ?4
 WHERE name = ?1 AND lease_owner = ?2 AND run_id = ?3)sql"};
constexpr Query kFinishRun{"finish_job_run",
    "UPDATE job_runs SET outcome = ?2, detail = ?3, finished_at = ?4 WHERE id = ?1"};
constexpr Query kOwnedRuns{"owned_job_runs", "SELECT run_id FROM jobs WHERE lease_owner = ?1 AND run_id IS NOT NULL"};
constexpr Query kReleaseOwner{"release_job_owner",
    "UPDATE jobs SET lease_owner = '', lease_expires = 0, run_id = NULL WHERE lease_owner = ?1"};
constexpr Query kMakeDue{"make_job_due", "UPDATE jobs SET next_run = min(next_run, ?2) WHERE name = ?1"};
constexpr Query kListJobs{"list_jobs", "SELECT name, next_run, lease_owner, lease_expires FROM jobs ORDER BY name"};
constexpr Query kRunsAll{"list_job_runs", R"sql(
SELECT id, job, node_id, started_at, finished_at, outcome, detail FROM job_runs ORDER BY started_at DESC, id DESC LIMIT ?1)sql"};
constexpr Query kRunsOfJob{"list_runs_of_job", R"sql(
SELECT id, job, node_id, started_at, finished_at, outcome, detail FROM job_runs WHERE job = ?2
 ORDER BY started_at DESC, id DESC LIMIT ?1)sql"};

}  // namespace

template <>
void SqlJobStore<sqlite::Connection>::ensure(const std::string& name, UnixMillis first_run, UnixMillis due_by) {
  auto connection = pool_.acquire();
  Statement s(*connection, kEnsureJob);
  s.bind_text(1, name).bind_int(2, first_run).bind_int(3, due_by).run();
}

template <>
std::optional<cluster::Claim> SqlJobStore<sqlite::Connection>::claim(const std::string& name, const std::string& owner, UnixMillis now,
                                                    UnixMillis lease) {
  auto connection = pool_.acquire();
  Transaction tx(*connection, Transaction::Mode::kImmediate);
  std::optional<std::int64_t> stale_run;
  {
    Statement find(*connection, kFindJobLease);
    find.bind_text(1, name);
    if (!find.step()) return std::nullopt;
    if (find.int64(0) > now) return std::nullopt;                               // not due
    if (!find.text(1).empty() && find.int64(2) >= now) return std::nullopt;     // leased
    if (!find.is_null(3)) stale_run = find.int64(3);
  }
  if (stale_run) {
    Statement abandon(*connection, kAbandonRun);
    abandon.bind_int(1, *stale_run).bind_int(2, now).run();
  }
  std::int64_t run_id = 0;
  {
    Statement insert(*connection, kInsertRun);
    insert.bind_text(1, name).bind_text(2, owner).bind_int(3, now);
    if (!insert.step()) throw StorageError("sqlite: recording a job run returned no id");
    run_id = insert.int64(0);
  }
  Statement take(*connection, kTakeLease);
  take.bind_text(1, name).bind_text(2, owner).bind_int(3, now + lease).bind_int(4, run_id).run();
  tx.commit();
  return cluster::Claim{run_id};
}

template <>
bool SqlJobStore<sqlite::Connection>::finish(const std::string& name, const cluster::Claim& claim, const std::string& owner, UnixMillis now,
                            UnixMillis next_run, const std::string& outcome, const std::string& detail) {
  auto connection = pool_.acquire();
  Transaction tx(*connection, Transaction::Mode::kImmediate);
  Statement release(*connection, kFinishJob);
  release.bind_text(1, name).bind_text(2, owner).bind_int(3, claim.run_id).bind_int(4, next_run).run();
  if (connection->changes() != 1) return false;
  Statement record(*connection, kFinishRun);
  record.bind_int(1, claim.run_id).bind_text(2, outcome).bind_text(3, detail).bind_int(4, now).run();
  tx.commit();
  return true;
}

template <>
std::size_t SqlJobStore<sqlite::Connection>::release_owner(const std::string& owner, UnixMillis now) {
  auto connection = pool_.acquire();
  Transaction tx(*connection, Transaction::Mode::kImmediate);
  std::vector<std::int64_t> runs;
  {
    Statement owned(*connection, kOwnedRuns);
    owned.bind_text(1, owner);
    while (owned.step()) runs.push_back(owned.int64(0));
  }
  for (auto id : runs) {
    Statement abandon(*connection, kAbandonRun);
    abandon.bind_int(1, id).bind_int(2, now).run();
  }
  Statement release(*connection, kReleaseOwner);
  release.bind_text(1, owner).run();
  const auto released = static_cast<std::size_t>(connection->changes());
  tx.commit();
  return released;
}

template <>
bool SqlJobStore<sqlite::Connection>::make_due(const std::string& name, UnixMillis now) {
  auto connection = pool_.acquire();
  Statement s(*connection, kMakeDue);
  s.bind_text(1, name).bind_int(2, now).run();
  return connection->changes() == 1;
}

template <>
std::vector<cluster::JobInfo> SqlJobStore<sqlite::Connection>::list() {
  auto connection = pool_.acquire();
  Statement s(*connection, kListJobs);
  std::vector<cluster::JobInfo> out;
  while (s.step()) out.push_back({s.text(0), s.int64(1), s.text(2), s.int64(3)});
  return out;
}

template <>
std::vector<cluster::JobRun> SqlJobStore<sqlite::Connection>::runs(const std::string& job, std::size_t limit) {
  auto connection = pool_.acquire();
  Statement s(*connection, job.empty() ? kRunsAll : kRunsOfJob);
  s.bind_int(1, to_sql_count(limit));
  if (!job.empty()) s.bind_text(2, job);
  std::vector<cluster::JobRun> out;
  while (s.step()) out.push_back(job_run_from_row(s));
  return out;
}

}  // namespace gatehouse::storage
