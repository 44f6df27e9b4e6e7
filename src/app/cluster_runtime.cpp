#include "app/cluster_runtime.hpp"

#include <algorithm>

#include "core/log.hpp"

namespace gatehouse::app {

ClusterRuntime::ClusterRuntime(storage::Backend& store, const Clock& clock, ClusterRuntimeOptions options,
                               cluster::EventApplier::Apply apply, std::function<std::string()> keyset)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      keyset_(std::move(keyset)),
      membership_(store.nodes(), store.jobs(), clock, options_.membership),
      applier_(store.events(), clock, std::move(apply)),
      jobs_(store.jobs(), clock, options_.membership.node_id, options_.job_lease) {}

ClusterRuntime::~ClusterRuntime() { stop(); }

void ClusterRuntime::add_job(cluster::JobSpec job) { jobs_.add(std::move(job)); }

void ClusterRuntime::start() {
  applier_.start_from_latest();
  if (options_.resync) options_.resync();
  membership_.join(keyset_(), applier_.watermark());
  started_ = true;
  store_.notify_on_events([this] { wake(); });
  cluster_thread_ = std::jthread([this](std::stop_token stop) { run_cluster(stop); });
  jobs_thread_ = std::jthread([this](std::stop_token stop) { run_jobs(stop); });
}

void ClusterRuntime::stop() noexcept {
  if (!started_) return;
  started_ = false;
  cluster_thread_.request_stop();
  jobs_thread_.request_stop();
  wake_.notify_all();
  if (cluster_thread_.joinable()) cluster_thread_.join();
  if (jobs_thread_.joinable()) jobs_thread_.join();
  membership_.leave();
}

void ClusterRuntime::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

bool ClusterRuntime::in_step() const {
  // Two missed check-in intervals (and at least five seconds) without reaching the store.
  const auto allowance = std::max<UnixMillis>(2 * options_.checkin_interval, 5000);
  return clock_.now_ms() - applier_.last_poll() <= allowance;
}

void ClusterRuntime::run_cluster(std::stop_token stop) {
  auto next_checkin = clock_.now_ms() + options_.checkin_offset + options_.checkin_interval;
  bool store_was_down = false;
  auto losses_seen = store_.connection_losses();
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(mutex_);
      const auto wait = std::clamp<UnixMillis>(std::min(next_checkin - clock_.now_ms(), options_.event_poll_interval), 0,
                                               options_.event_poll_interval);
      wake_.wait_for(lock, stop, std::chrono::milliseconds(wait), [this] { return woken_; });
      woken_ = false;
    }
    if (stop.stop_requested()) break;
    try {
      const auto losses = store_.connection_losses();
      applier_.poll();
      if (store_was_down) spdlog::info("cluster events: the store is reachable again");
      if (store_was_down || losses != losses_seen) catch_up();
      losses_seen = losses;
      store_was_down = false;
    } catch (const std::exception& e) {
      if (!store_was_down) spdlog::warn("cluster events: cannot read them: {}", e.what());
      store_was_down = true;
    }
    if (clock_.now_ms() >= next_checkin) {
      membership_.check_in(keyset_(), applier_.watermark());
      next_checkin = clock_.now_ms() + options_.checkin_interval;
    }
  }
}

void ClusterRuntime::catch_up() {
  // Events are rows in the store, so a missed notification costs nothing once they are read (the
  // poll before this call). What a lost connection may hide besides: events this node will never
  // read because the store is another server now (a standby promoted after asynchronous
  // replication lost the newest events, and numbers them again from below the watermark). So the
  // watermark goes back to what the store has, and everything cached is read again.
  if (store_.events().latest_seq() < applier_.watermark()) {
    spdlog::warn("cluster events: the store's newest event is older than the last one applied here "
                 "(a failover lost events); reading everything cached again");
    applier_.start_from_latest();
  }
  if (options_.resync) options_.resync();
  ++catch_ups_;
}

void ClusterRuntime::run_jobs(std::stop_token stop) {
  std::mutex m;
  std::condition_variable_any tick;
  while (!stop.stop_requested()) {
    // With a clock far from the store's, this node's idea of "due" and "silent" is wrong: it would
    // run jobs early and mark live nodes dead (cluster.sweep). It leaves them to the others.
    if (!membership_.clock_off()) jobs_.tick();
    std::unique_lock lock(m);
    tick.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; });
  }
}

}  // namespace gatehouse::app
