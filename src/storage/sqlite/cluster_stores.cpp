#include "storage/event_store.hpp"
#include "storage/job_store.hpp"
#include "storage/node_store.hpp"

#include <algorithm>
#include <limits>

#include "core/error.hpp"
#include "storage/sqlite/connection.hpp"

namespace gatehouse::storage {
using namespace sqlite;  // this file is the SQLite side of the Sql*Store templates
namespace {

// --- membership ------------------------------------------------------------------------------

constexpr Query kFindNode{"find_node", R"sql(
SELECT node_id, instance, url, version, state, started_at, last_checkin, config_hash, keyset, applied_event
  FROM cluster_nodes WHERE node_id = ?1)sql"};
constexpr Query kListNodes{"list_nodes", R"sql(
SELECT node_id, instance, url, version, state, started_at, last_checkin, config_hash, keyset, applied_event
  FROM cluster_nodes ORDER BY node_id)sql"};
// Inserts or replaces the row: the caller checked, inside the same write transaction, that the id
// is free.
constexpr Query kUpsertNode{"upsert_node", R"sql(
INSERT INTO cluster_nodes (node_id, instance, url, version, state, started_at, last_checkin, config_hash, keyset, applied_event)
VALUES (?1, ?2, ?3, ?4, 'up', ?5, ?6, ?7, ?8, ?9)
ON CONFLICT (node_id) DO UPDATE SET instance = excluded.instance, url = excluded.url, version = excluded.version,
  state = 'up', started_at = excluded.started_at, last_checkin = excluded.last_checkin,
  config_hash = excluded.config_hash, keyset = excluded.keyset, applied_event = excluded.applied_event)sql"};
constexpr Query kCheckIn{"check_in_node", R"sql(
UPDATE cluster_nodes SET url = ?3, version = ?4, state = 'up', last_checkin = ?5, config_hash = ?6, keyset = ?7,
                         applied_event = ?8
 WHERE node_id = ?1 AND instance = ?2 AND state <> 'left')sql"};
constexpr Query kLeave{"leave_node",
    "UPDATE cluster_nodes SET state = 'left', last_checkin = ?3 WHERE node_id = ?1 AND instance = ?2"};
constexpr Query kMarkRecovering{"mark_nodes_recovering", R"sql(
UPDATE cluster_nodes SET state = 'recovering' WHERE state = 'up' AND last_checkin < ?1
RETURNING node_id, instance, url, version, state, started_at, last_checkin, config_hash, keyset, applied_event)sql"};
constexpr Query kRemoveDead{"remove_dead_nodes", R"sql(
DELETE FROM cluster_nodes WHERE state IN ('recovering', 'left') AND last_checkin < ?1
RETURNING node_id, instance, url, version, state, started_at, last_checkin, config_hash, keyset, applied_event)sql"};

cluster::NodeRecord read_node(const Statement& r) {
  cluster::NodeRecord n;
  n.node_id = r.text(0);
  n.instance = r.text(1);
  n.url = r.text(2);
  n.version = r.text(3);
  n.state = cluster::node_state_from_string(r.text(4)).value_or(cluster::NodeState::kLeft);
  n.started_at = r.int64(5);
  n.last_checkin = r.int64(6);
  n.config_hash = r.text(7);
  n.keyset = r.text(8);
  n.applied_event = r.int64(9);
  return n;
}

std::vector<cluster::NodeRecord> read_nodes(Statement& s) {
  std::vector<cluster::NodeRecord> out;
  while (s.step()) out.push_back(read_node(s));
  return out;
}

// --- events ----------------------------------------------------------------------------------

constexpr Query kLatestSeq{"latest_event_seq", R"sql(
SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'cluster_events'), 0),
           coalesce((SELECT max(seq) FROM cluster_events), 0)))sql"};
constexpr Query kReadEvents{"read_events",
    "SELECT seq, kind, key, created_at FROM cluster_events WHERE seq > ?1 ORDER BY seq LIMIT ?2"};
constexpr Query kAppendEvent{"append_event",
    "INSERT INTO cluster_events (kind, key, created_at) VALUES (?1, ?2, ?3) RETURNING seq"};
constexpr Query kPurgeEvents{"purge_events", R"sql(
DELETE FROM cluster_events WHERE seq IN (
  SELECT seq FROM cluster_events WHERE created_at < ?1 ORDER BY seq LIMIT ?2))sql"};

// --- jobs ------------------------------------------------------------------------------------

constexpr Query kEnsureJob{"ensure_job",
    "INSERT INTO jobs (name, next_run) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING"};
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
constexpr Query kPurgeRuns{"purge_job_runs", R"sql(
DELETE FROM job_runs WHERE id IN (
  SELECT id FROM job_runs WHERE started_at < ?1 AND finished_at IS NOT NULL ORDER BY id LIMIT ?2))sql"};

std::int64_t to_limit(std::size_t n) {
  return static_cast<std::int64_t>(std::min<std::size_t>(n, std::numeric_limits<std::int64_t>::max()));
}

}  // namespace

// --- SqlNodeStore -------------------------------------------------------------------------

template <>
cluster::JoinResult SqlNodeStore<sqlite::Connection>::join(const cluster::NodeRecord& self, UnixMillis live_window) {
  auto connection = pool_.acquire();
  Transaction tx(*connection, Transaction::Mode::kImmediate);
  {
    Statement find(*connection, kFindNode);
    find.bind_text(1, self.node_id);
    if (find.step()) {
      auto holder = read_node(find);
      const bool live = holder.state == cluster::NodeState::kUp && holder.instance != self.instance &&
                        holder.last_checkin >= self.last_checkin - live_window;
      if (live) return {false, std::move(holder)};
    }
  }
  Statement upsert(*connection, kUpsertNode);
  upsert.bind_text(1, self.node_id)
      .bind_text(2, self.instance)
      .bind_text(3, self.url)
      .bind_text(4, self.version)
      .bind_int(5, self.started_at)
      .bind_int(6, self.last_checkin)
      .bind_text(7, self.config_hash)
      .bind_text(8, self.keyset)
      .bind_int(9, self.applied_event)
      .run();
  tx.commit();
  return {true, std::nullopt};
}

template <>
bool SqlNodeStore<sqlite::Connection>::check_in(const cluster::NodeRecord& self) {
  auto connection = pool_.acquire();
  Statement s(*connection, kCheckIn);
  s.bind_text(1, self.node_id)
      .bind_text(2, self.instance)
      .bind_text(3, self.url)
      .bind_text(4, self.version)
      .bind_int(5, self.last_checkin)
      .bind_text(6, self.config_hash)
      .bind_text(7, self.keyset)
      .bind_int(8, self.applied_event)
      .run();
  return connection->changes() == 1;
}

template <>
void SqlNodeStore<sqlite::Connection>::leave(const std::string& node_id, const std::string& instance, UnixMillis now) {
  auto connection = pool_.acquire();
  Statement s(*connection, kLeave);
  s.bind_text(1, node_id).bind_text(2, instance).bind_int(3, now).run();
}

template <>
std::vector<cluster::NodeRecord> SqlNodeStore<sqlite::Connection>::list() {
  auto connection = pool_.acquire();
  Statement s(*connection, kListNodes);
  return read_nodes(s);
}

template <>
std::vector<cluster::NodeRecord> SqlNodeStore<sqlite::Connection>::mark_recovering(UnixMillis silent_since) {
  auto connection = pool_.acquire();
  Statement s(*connection, kMarkRecovering);
  s.bind_int(1, silent_since);
  return read_nodes(s);
}

template <>
std::vector<cluster::NodeRecord> SqlNodeStore<sqlite::Connection>::remove_dead(UnixMillis silent_since) {
  auto connection = pool_.acquire();
  Statement s(*connection, kRemoveDead);
  s.bind_int(1, silent_since);
  return read_nodes(s);
}

// --- SqlEventStore ------------------------------------------------------------------------

template <>
std::int64_t SqlEventStore<sqlite::Connection>::latest_seq() {
  auto connection = pool_.acquire();
  Statement s(*connection, kLatestSeq);
  return s.step() ? s.int64(0) : 0;
}

template <>
std::vector<cluster::ClusterEvent> SqlEventStore<sqlite::Connection>::read_after(std::int64_t after, std::size_t limit) {
  auto connection = pool_.acquire();
  Statement s(*connection, kReadEvents);
  s.bind_int(1, after).bind_int(2, to_limit(limit));
  std::vector<cluster::ClusterEvent> out;
  while (s.step()) out.push_back({s.int64(0), s.text(1), s.text(2), s.int64(3)});
  return out;
}

template <>
std::int64_t SqlEventStore<sqlite::Connection>::append(const std::string& kind, const std::string& key, UnixMillis now) {
  auto connection = pool_.acquire();
  Statement s(*connection, kAppendEvent);
  s.bind_text(1, kind).bind_text(2, key).bind_int(3, now);
  if (!s.step()) throw StorageError("sqlite: appending a cluster event returned no sequence number");
  return s.int64(0);
}

template <>
std::size_t SqlEventStore<sqlite::Connection>::purge_before(UnixMillis before, std::size_t limit) {
  auto connection = pool_.acquire();
  Statement s(*connection, kPurgeEvents);
  s.bind_int(1, before).bind_int(2, to_limit(limit)).run();
  return static_cast<std::size_t>(connection->changes());
}

// --- SqlJobStore --------------------------------------------------------------------------

template <>
void SqlJobStore<sqlite::Connection>::ensure(const std::string& name, UnixMillis first_run) {
  auto connection = pool_.acquire();
  Statement s(*connection, kEnsureJob);
  s.bind_text(1, name).bind_int(2, first_run).run();
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
  s.bind_int(1, to_limit(limit));
  if (!job.empty()) s.bind_text(2, job);
  std::vector<cluster::JobRun> out;
  while (s.step()) {
    cluster::JobRun r;
    r.id = s.int64(0);
    r.job = s.text(1);
    r.node_id = s.text(2);
    r.started_at = s.int64(3);
    if (!s.is_null(4)) r.finished_at = s.int64(4);
    r.outcome = s.text(5);
    r.detail = s.text(6);
    out.push_back(std::move(r));
  }
  return out;
}

template <>
std::size_t SqlJobStore<sqlite::Connection>::purge_runs(UnixMillis before, std::size_t limit) {
  auto connection = pool_.acquire();
  Statement s(*connection, kPurgeRuns);
  s.bind_int(1, before).bind_int(2, to_limit(limit)).run();
  return static_cast<std::size_t>(connection->changes());
}

}  // namespace gatehouse::storage
