#pragma once
// This node's part in the cluster, on two threads of its own (never an I/O thread): membership
// check-ins and cluster events on one, run-once jobs on the other. A single node runs the same
// machinery with itself as the only member.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "cluster/event_applier.hpp"
#include "cluster/job_runner.hpp"
#include "cluster/membership.hpp"
#include "storage/backend.hpp"

namespace gatehouse::app {

struct ClusterRuntimeOptions {
  cluster::MembershipOptions membership;
  UnixMillis checkin_interval = 5000;
  UnixMillis checkin_offset = 0;
  UnixMillis event_poll_interval = 500;  ///< reads events this often even without a notification
  UnixMillis job_lease = 10 * 60 * 1000;
  /// Called once by start(), right after the event watermark is set to the latest event: reloads
  /// whatever an event before it could have changed. The node loads its keys (and fills caches)
  /// before it starts, so an event between that load and the watermark would otherwise be lost
  /// until the next one (a second node starting while the first publishes its next key).
  std::function<void()> resync = {};
};

class ClusterRuntime {
 public:
  /// `apply` invalidates this node's caches for one event; `keyset` describes the keys it serves.
  ClusterRuntime(storage::Backend& store, const Clock& clock, ClusterRuntimeOptions options,
                 cluster::EventApplier::Apply apply, std::function<std::string()> keyset);
  ~ClusterRuntime();

  /// Registers a job; call before start().
  void add_job(cluster::JobSpec job);
  /// Joins the cluster and starts the threads. @throws StartupError if the node id is taken.
  void start();
  /// Stops the threads and marks this node left at once. Idempotent; never throws.
  void stop() noexcept;
  /// Reads cluster events now (a notification arrived).
  void wake();
  /// false when this node could not reach the store to read events (or check in) for longer than
  /// it may serve from possibly stale caches.
  bool in_step() const;

  /// How often this node re-read what it caches after the store came back or a connection to it
  /// was lost (tests, metrics).
  std::uint64_t catch_ups() const noexcept { return catch_ups_.load(); }

  cluster::Membership& membership() { return membership_; }
  cluster::EventApplier& events() { return applier_; }

 private:
  void run_cluster(std::stop_token stop);
  void run_jobs(std::stop_token stop);
  /// After the store came back or a connection to it was lost: see the definition.
  void catch_up();

  storage::Backend& store_;
  const Clock& clock_;
  ClusterRuntimeOptions options_;
  std::function<std::string()> keyset_;
  cluster::Membership membership_;
  cluster::EventApplier applier_;
  cluster::JobRunner jobs_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  bool woken_ = false;
  bool started_ = false;
  std::atomic<std::uint64_t> catch_ups_{0};
  std::jthread cluster_thread_;
  std::jthread jobs_thread_;
};

}  // namespace gatehouse::app
