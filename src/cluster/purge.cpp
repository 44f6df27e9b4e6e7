#include "cluster/purge.hpp"

#include "core/log.hpp"

namespace gatehouse::cluster {

std::string purge_in_batches(const std::vector<PurgeTarget>& targets, std::size_t batch) {
  std::string summary;
  for (const auto& target : targets) {
    std::size_t total = 0;
    for (std::size_t n = batch; n == batch;) total += n = target.purge(batch);
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
