#include "cluster/purge.hpp"

#include "core/log.hpp"

namespace gatehouse::cluster {

std::string purge_in_batches(const std::vector<PurgeTarget>& targets, std::size_t batch) {
  std::string summary;
  if (batch == 0) return "nothing expired";
  for (const auto& target : targets) {
    std::size_t total = 0;
    // A target over several tables deletes up to `batch` from each and returns the sum: while
    // any of them filled its batch the sum reaches it, so that is the test for "more is left".
    for (std::size_t n = batch; n >= batch;) total += n = target.purge(batch);
    if (total == 0) continue;
    spdlog::info("purged {} expired {}", total, target.what);
    summary += (summary.empty() ? "" : ", ") + std::to_string(total) + " " + target.what;
  }
  return summary.empty() ? "nothing expired" : "purged " + summary;
}

JobSpec purge_job(std::function<std::vector<PurgeTarget>()> targets, UnixMillis interval) {
  return JobSpec{"purge.expired", interval, [targets = std::move(targets)] { return purge_in_batches(targets()); }};
}

}  // namespace gatehouse::cluster
