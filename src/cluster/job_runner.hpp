#pragma once
// Run-once jobs on top of the JobStore: every node registers the same jobs and calls tick(); a due
// run is claimed by exactly one node of the cluster (a lease in the store), runs on the caller's
// thread, and is recorded with its outcome. A node that dies mid-run loses its lease when it is
// marked recovering (or when the lease expires), and another node runs the job.

#include <functional>
#include <string>
#include <vector>

#include "cluster/job_store.hpp"
#include "core/clock.hpp"

namespace gatehouse::cluster {

struct JobSpec {
  std::string name;
  UnixMillis interval = 60'000;  ///< from the end of one run to the next due time
  /// Does the work in bounded steps. @returns a one-line summary for the run record (never a
  /// secret); throws on failure (the message is recorded, the job is due again after `interval`).
  std::function<std::string()> run;
  /// How long a claim of this job lasts if its node dies mid-run; 0: the runner's default.
  UnixMillis lease = 0;
};

class JobRunner {
 public:
  /// `owner` is this node's id; `lease` must exceed the longest run.
  JobRunner(JobStore& store, const Clock& clock, std::string owner, UnixMillis lease);

  /// Registers a job (before the first tick). Its row is created due at once if it is new.
  void add(JobSpec job);
  /// Claims and runs every registered job that is due. @returns how many ran here. Store errors
  /// are logged and skipped (the next tick tries again). Thread safety: one caller at a time.
  int tick();
  const std::vector<JobSpec>& jobs() const { return jobs_; }

 private:
  JobStore& store_;
  const Clock& clock_;
  std::string owner_;
  UnixMillis lease_;
  std::vector<JobSpec> jobs_;
};

}  // namespace gatehouse::cluster
