#pragma once
// The cluster job that deletes expired rows ("purge.expired"): every kind of expiring data is a
// target that deletes at most a batch at a time, so no statement holds a table for long (hydra's
// janitor works the same way) and a run stopped midway loses nothing: the next run goes on.

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "cluster/job_runner.hpp"

namespace gatehouse::cluster {

/// One kind of expiring data: `purge(limit)` deletes at most `limit` expired rows from each table
/// it covers and returns how many it deleted in all (so a result of `limit` or more means some
/// table may have more).
struct PurgeTarget {
  std::string what;  ///< plural noun phrase for the summary, e.g. "authorization codes"
  std::function<std::size_t(std::size_t limit)> purge;
};

/// Purges every target in batches of `batch` until a batch comes back short (less than `batch`).
/// @returns "purged N <what>, M <what>" or "nothing expired". Store faults propagate (the job
/// runner records the run as failed and the next run goes on).
std::string purge_in_batches(const std::vector<PurgeTarget>& targets, std::size_t batch = 1000);

/// The job "purge.expired": every `interval`, purges what `targets()` lists (built at each run, so
/// each target may use the time of that run).
JobSpec purge_job(std::function<std::vector<PurgeTarget>()> targets, UnixMillis interval);

}  // namespace gatehouse::cluster
