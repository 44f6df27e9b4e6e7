#pragma once
// Port: run-once jobs (DESIGN.md, PingIDM persistent schedules). Each job is a row with its next
// due time and a lease; a due run is claimed by exactly one node, and a dead node's lease is taken
// over once it expires or its node is released. Every run is recorded.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace gatehouse::cluster {

struct JobInfo {
  std::string name;
  UnixMillis next_run = 0;
  std::string lease_owner;      // node id; empty when not running
  UnixMillis lease_expires = 0;
};

struct JobRun {
  std::int64_t id = 0;
  std::string job;
  std::string node_id;
  UnixMillis started_at = 0;
  std::optional<UnixMillis> finished_at;
  std::string outcome;  // running | ok | failed | abandoned
  std::string detail;   // a short summary or the error message; never a secret
};

struct Claim {
  std::int64_t run_id = 0;
};

class JobStore {
 public:
  virtual ~JobStore() = default;
  /// Creates the job's row, first due at `first_run`, unless it exists; an existing row due after
  /// `due_by` is brought forward to it (a node started with a shorter interval than the one the
  /// pending run was scheduled with: the new interval applies from now, not after that run).
  /// Safe to race.
  virtual void ensure(const std::string& name, UnixMillis first_run, UnixMillis due_by) = 0;
  /// Claims the job for `owner` if it is due at `now` and not leased (no owner, or the lease
  /// expired), and records a run with outcome "running"; a run left running by an expired lease is
  /// recorded as "abandoned". Exactly one of racing callers gets the claim.
  virtual std::optional<Claim> claim(const std::string& name, const std::string& owner, UnixMillis now, UnixMillis lease) = 0;
  /// Ends the claimed run with `outcome` and schedules the next run, only if `owner` still holds
  /// the lease. @returns false (and changes nothing) if the lease was lost.
  virtual bool finish(const std::string& name, const Claim& claim, const std::string& owner, UnixMillis now,
                      UnixMillis next_run, const std::string& outcome, const std::string& detail) = 0;
  /// Releases every lease `owner` holds (its node was marked recovering); their running runs
  /// become "abandoned". @returns how many leases were released.
  virtual std::size_t release_owner(const std::string& owner, UnixMillis now) = 0;
  /// Makes the job due at `now` (an operator forces it). @returns false if there is no such job.
  virtual bool make_due(const std::string& name, UnixMillis now) = 0;
  /// Every job, ordered by name.
  virtual std::vector<JobInfo> list() = 0;
  /// The most recent runs first, at most `limit`; only those of `job` when it is not empty.
  virtual std::vector<JobRun> runs(const std::string& job, std::size_t limit) = 0;
  /// Deletes at most `limit` finished runs that started before `before`. @returns how many.
  virtual std::size_t purge_runs(UnixMillis before, std::size_t limit) = 0;
};

}  // namespace gatehouse::cluster
