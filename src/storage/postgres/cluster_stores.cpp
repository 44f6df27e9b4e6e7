// The cluster's own state on PostgreSQL: membership, events, run-once jobs.
#include "storage/postgres/stores.hpp"
#include "storage/event_store.hpp"
#include "storage/job_store.hpp"
#include "storage/node_store.hpp"

namespace gatehouse::storage {
using namespace postgres;  // this file is the PostgreSQL side of the Sql*Store templates
namespace {

// --- membership ------------------------------------------------------------------------------

#define GH_NODE_COLUMNS \
  "node_id, instance, url, version, state, started_at, last_checkin, config_hash, keyset, applied_event"

constexpr Query kFindNode{"find_node", "SELECT " GH_NODE_COLUMNS " FROM cluster_nodes WHERE node_id = $1"};
constexpr Query kListNodes{"list_nodes", "SELECT " GH_NODE_COLUMNS " FROM cluster_nodes ORDER BY node_id"};
// Join in one statement: insert, or take the row over unless another instance holds it live (up
// and checked in within the window, $10). A racing join of the same id waits for this one's
// commit and then sees it as the live holder: exactly one joins.
constexpr Query kJoinNode{"join_node", "INSERT INTO cluster_nodes (" GH_NODE_COLUMNS R"sql()
VALUES ($1, $2, $3, $4, 'up', $5, $6, $7, $8, $9)
ON CONFLICT (node_id) DO UPDATE SET instance = excluded.instance, url = excluded.url, version = excluded.version,
  state = 'up', started_at = excluded.started_at, last_checkin = excluded.last_checkin,
  config_hash = excluded.config_hash, keyset = excluded.keyset, applied_event = excluded.applied_event
 WHERE NOT (cluster_nodes.state = 'up' AND cluster_nodes.instance <> excluded.instance
            AND cluster_nodes.last_checkin >= excluded.last_checkin - $10)
RETURNING node_id)sql"};
constexpr Query kCheckIn{"check_in_node", R"sql(
UPDATE cluster_nodes SET url = $3, version = $4, state = 'up', last_checkin = $5, config_hash = $6, keyset = $7,
                         applied_event = $8
 WHERE node_id = $1 AND instance = $2 AND state <> 'left')sql"};
constexpr Query kLeave{"leave_node",
    "UPDATE cluster_nodes SET state = 'left', last_checkin = $3 WHERE node_id = $1 AND instance = $2"};
// A racing caller waits on the row lock, re-checks the condition on the committed row and skips
// it: each row goes to exactly one caller.
constexpr Query kMarkRecovering{"mark_nodes_recovering", R"sql(
UPDATE cluster_nodes SET state = 'recovering' WHERE state = 'up' AND last_checkin < $1
RETURNING )sql" GH_NODE_COLUMNS};
constexpr Query kRemoveDead{"remove_dead_nodes", R"sql(
DELETE FROM cluster_nodes WHERE state IN ('recovering', 'left') AND last_checkin < $1
RETURNING )sql" GH_NODE_COLUMNS};
#undef GH_NODE_COLUMNS

cluster::NodeRecord read_node(const Row& r) {
  cluster::NodeRecord n;
  n.node_id = r.text(0);
  n.instance = r.text(1);
  n.url = r.text(2);
  n.version = r.text(3);
  n.state = cluster::node_state_from_string(r.text(4)).value_or(cluster::NodeState::kLeft);
  n.started_at = r.int8(5);
  n.last_checkin = r.int8(6);
  n.config_hash = r.text(7);
  n.keyset = r.text(8);
  n.applied_event = r.int8(9);
  return n;
}

std::vector<cluster::NodeRecord> read_nodes(const Result& result) {
  std::vector<cluster::NodeRecord> out;
  for (int i = 0; i < result.rows(); ++i) out.push_back(read_node(result.row(i)));
  return out;
}

Params node_params(const cluster::NodeRecord& n) {
  Params p;
  p.text(n.node_id)
      .text(n.instance)
      .text(n.url)
      .text(n.version)
      .int8(n.started_at)
      .int8(n.last_checkin)
      .text(n.config_hash)
      .text(n.keyset)
      .int8(n.applied_event);
  return p;
}

// --- events ----------------------------------------------------------------------------------

// The highest committed seq: a transaction still writing an event holds its seq back, and a node
// that starts from here reads that event once it commits (a sequence's last value would skip it).
constexpr Query kLatestSeq{"latest_event_seq", "SELECT coalesce(max(seq), 0) FROM cluster_events"};
constexpr Query kReadEvents{"read_events",
    "SELECT seq, kind, key, created_at FROM cluster_events WHERE seq > $1 ORDER BY seq LIMIT $2"};
// The cluster_events_lock trigger orders it with every other event writer (0001_initial.sql).
constexpr Query kAppendEvent{"append_event",
    "WITH e AS (INSERT INTO cluster_events (kind, key, created_at) VALUES ($1, $2, $3) RETURNING seq) "
    "SELECT seq, pg_notify('gatehouse_events', '') FROM e"};
constexpr Query kPurgeEvents{"purge_events", R"sql(
DELETE FROM cluster_events WHERE seq IN (
  SELECT seq FROM cluster_events WHERE created_at < $1 ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED))sql"};

// --- jobs ------------------------------------------------------------------------------------

constexpr Query kEnsureJob{"ensure_job",
    "INSERT INTO jobs (name, next_run) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING"};
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
constexpr Query kPurgeRuns{"purge_job_runs", R"sql(
DELETE FROM job_runs WHERE id IN (
  SELECT id FROM job_runs WHERE started_at < $1 AND finished_at IS NOT NULL ORDER BY id LIMIT $2
     FOR UPDATE SKIP LOCKED))sql"};

}  // namespace

// --- SqlNodeStore -----------------------------------------------------------------------------

template <>
cluster::JoinResult SqlNodeStore<postgres::Connection>::join(const cluster::NodeRecord& self, UnixMillis live_window) {
  auto connection = pool_.acquire();
  Params params = node_params(self);
  params.int8(live_window);
  if (!connection->execute(kJoinNode, params).empty()) return {true, std::nullopt};
  // Refused: a new statement sees the holder as committed.
  const auto holder = connection->execute(kFindNode, Params().text(self.node_id));
  if (holder.empty()) return {false, std::nullopt};
  return {false, read_node(holder.row(0))};
}

template <>
bool SqlNodeStore<postgres::Connection>::check_in(const cluster::NodeRecord& self) {
  auto connection = pool_.acquire();
  Params params;
  params.text(self.node_id)
      .text(self.instance)
      .text(self.url)
      .text(self.version)
      .int8(self.last_checkin)
      .text(self.config_hash)
      .text(self.keyset)
      .int8(self.applied_event);
  return connection->execute(kCheckIn, params).affected() == 1;
}

template <>
void SqlNodeStore<postgres::Connection>::leave(const std::string& node_id, const std::string& instance, UnixMillis now) {
  auto connection = pool_.acquire();
  connection->execute(kLeave, Params().text(node_id).text(instance).int8(now));
}

template <>
std::vector<cluster::NodeRecord> SqlNodeStore<postgres::Connection>::list() {
  auto connection = pool_.acquire();
  return read_nodes(connection->execute(kListNodes));
}

template <>
std::vector<cluster::NodeRecord> SqlNodeStore<postgres::Connection>::mark_recovering(UnixMillis silent_since) {
  auto connection = pool_.acquire();
  return read_nodes(connection->execute(kMarkRecovering, Params().int8(silent_since)));
}

template <>
std::vector<cluster::NodeRecord> SqlNodeStore<postgres::Connection>::remove_dead(UnixMillis silent_since) {
  auto connection = pool_.acquire();
  return read_nodes(connection->execute(kRemoveDead, Params().int8(silent_since)));
}

// --- SqlEventStore ----------------------------------------------------------------------------

template <>
std::int64_t SqlEventStore<postgres::Connection>::latest_seq() {
  auto connection = pool_.acquire();
  return connection->execute(kLatestSeq).row(0).int8(0);
}

template <>
std::vector<cluster::ClusterEvent> SqlEventStore<postgres::Connection>::read_after(std::int64_t after, std::size_t limit) {
  auto connection = pool_.acquire();
  const auto result = connection->execute(kReadEvents, Params().int8(after).int8(to_sql_count(limit)));
  std::vector<cluster::ClusterEvent> out;
  out.reserve(static_cast<std::size_t>(result.rows()));
  for (int i = 0; i < result.rows(); ++i) {
    const Row r = result.row(i);
    out.push_back({r.int8(0), r.text(1), r.text(2), r.int8(3)});
  }
  return out;
}

template <>
std::int64_t SqlEventStore<postgres::Connection>::append(const std::string& kind, const std::string& key, UnixMillis now) {
  auto connection = pool_.acquire();
  return connection->execute(kAppendEvent, Params().text(kind).text(key).int8(now)).row(0).int8(0);
}

template <>
std::size_t SqlEventStore<postgres::Connection>::purge_before(UnixMillis before, std::size_t limit) {
  auto connection = pool_.acquire();
  const auto result = connection->execute(kPurgeEvents, Params().int8(before).int8(to_sql_count(limit)));
  return static_cast<std::size_t>(result.affected());
}

// --- SqlJobStore ------------------------------------------------------------------------------

template <>
void SqlJobStore<postgres::Connection>::ensure(const std::string& name, UnixMillis first_run) {
  auto connection = pool_.acquire();
  connection->execute(kEnsureJob, Params().text(name).int8(first_run));
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
  for (int i = 0; i < result.rows(); ++i) {
    const Row r = result.row(i);
    cluster::JobRun run;
    run.id = r.int8(0);
    run.job = r.text(1);
    run.node_id = r.text(2);
    run.started_at = r.int8(3);
    run.finished_at = r.optional_int8(4);
    run.outcome = r.text(5);
    run.detail = r.text(6);
    out.push_back(std::move(run));
  }
  return out;
}

template <>
std::size_t SqlJobStore<postgres::Connection>::purge_runs(UnixMillis before, std::size_t limit) {
  auto connection = pool_.acquire();
  const auto result = connection->execute(kPurgeRuns, Params().int8(before).int8(to_sql_count(limit)));
  return static_cast<std::size_t>(result.affected());
}

}  // namespace gatehouse::storage
