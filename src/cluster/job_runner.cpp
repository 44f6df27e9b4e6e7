#include "cluster/job_runner.hpp"

#include "core/log.hpp"

namespace gatehouse::cluster {

JobRunner::JobRunner(JobStore& store, const Clock& clock, std::string owner, UnixMillis lease)
    : store_(store), clock_(clock), owner_(std::move(owner)), lease_(lease) {}

void JobRunner::add(JobSpec job) {
  const auto now = clock_.now_ms();
  store_.ensure(job.name, now, now + job.interval);
  jobs_.push_back(std::move(job));
}

int JobRunner::tick() {
  int ran = 0;
  for (const auto& job : jobs_) {
    std::optional<Claim> claim;
    try {
      claim = store_.claim(job.name, owner_, clock_.now_ms(), job.lease > 0 ? job.lease : lease_);
    } catch (const std::exception& e) {
      spdlog::warn("job {}: cannot claim it: {}", job.name, e.what());
      continue;
    }
    if (!claim) continue;
    ++ran;
    std::string outcome = "ok", detail;
    try {
      detail = job.run();
    } catch (const std::exception& e) {
      outcome = "failed";
      detail = e.what();
      spdlog::warn("job {} failed: {}", job.name, detail);
    }
    const auto now = clock_.now_ms();
    try {
      if (!store_.finish(job.name, *claim, owner_, now, now + job.interval, outcome, detail))
        spdlog::warn("job {}: the lease was lost while it ran (another node may run it again)", job.name);
      else if (outcome == "ok" && !detail.empty())
        spdlog::debug("job {}: {}", job.name, detail);
    } catch (const std::exception& e) {
      spdlog::warn("job {}: cannot record the run: {}", job.name, e.what());
    }
  }
  return ran;
}

}  // namespace gatehouse::cluster
