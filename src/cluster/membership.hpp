#pragma once
// Cluster membership of this node (PingIDM cluster.json semantics): join at start (refused while
// another live node holds the id), check in every interval with what other nodes need to know
// (version, configuration hash, the keys it serves, the last event it applied), and leave at once
// on shutdown. sweep() — run as a cluster job — marks silent nodes recovering (their job leases
// move) and removes them after the recovery timeout.

#include <atomic>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cluster/job_runner.hpp"
#include "cluster/job_store.hpp"
#include "cluster/node_store.hpp"
#include "core/clock.hpp"

namespace gatehouse::cluster {

struct MembershipOptions {
  std::string node_id;
  std::string url;
  std::string version;
  std::string config_hash;
  UnixMillis instance_timeout = 30'000;   ///< silent this long: recovering
  UnixMillis recovery_timeout = 30'000;   ///< recovering (or left) this much longer: removed
  /// A single node (not in cluster mode) takes its row over at start even if it looks live: after
  /// a crash, the restarted process must not wait for the timeout.
  bool take_over_at_start = false;
  /// A node whose clock is further than this from the store's (measured at each check-in) is out
  /// of step: it answers 503 on /api/status and runs no jobs until its clock is right again.
  UnixMillis max_clock_skew = 5'000;
};

/// Every node and what differs between the live ones.
struct ClusterView {
  std::vector<NodeRecord> nodes;
  std::vector<std::string> drift;  ///< e.g. "version differs: a=0.1.0, b=0.2.0"; empty when in step
};

/// The drift between the up nodes of `nodes`: versions, configuration hashes, key sets.
std::vector<std::string> drift_of(const std::vector<NodeRecord>& nodes);

class Membership {
 public:
  Membership(NodeStore& nodes, JobStore& jobs, const Clock& clock, MembershipOptions options);

  /// Registers this node, and releases the job leases an earlier process with this id left behind
  /// (it died mid-run: nothing of this process runs yet). @throws StartupError when a live node
  /// holds the id (naming its URL and how long ago it checked in).
  void join(const std::string& keyset, std::int64_t applied_event);
  /// One check-in; joins again if the row was removed meanwhile (a long pause). Logs drift when it
  /// changes. @returns false if the store could not be reached (logged).
  bool check_in(const std::string& keyset, std::int64_t applied_event);
  /// Marks this node left. Never throws.
  void leave() noexcept;
  /// The cluster job "cluster.sweep". @returns a summary.
  std::string sweep();
  /// The sweep as a job run every `interval`. It is what releases a dead node's leases, so its own
  /// lease is the instance timeout: a node that dies mid-sweep cannot stop dead-node detection for
  /// longer than it takes anyway to count that node as silent.
  JobSpec sweep_job(UnixMillis interval);
  ClusterView view();

  const std::string& node_id() const { return options_.node_id; }
  const std::string& instance() const { return self_.instance; }
  /// When the last successful check-in (or the join) happened; 0 before.
  UnixMillis last_checkin() const { return last_checkin_.load(); }
  /// This node's clock minus the store's, as last measured; nullopt if the store has no clock of
  /// its own (SQLite) or it was not measured yet.
  std::optional<std::int64_t> clock_skew() const;
  /// The skew when it is beyond max_clock_skew, else nullopt.
  std::optional<std::int64_t> clock_off() const;

 private:
  NodeRecord record(const std::string& keyset, std::int64_t applied_event);
  /// Compares this node's clock with the store's (the middle of the round trip against the
  /// store's answer), keeps the result and logs when it crosses max_clock_skew. @throws StorageError.
  std::optional<std::int64_t> measure_clock();

  NodeStore& nodes_;
  JobStore& jobs_;
  const Clock& clock_;
  MembershipOptions options_;
  NodeRecord self_;
  std::atomic<UnixMillis> last_checkin_{0};
  static constexpr std::int64_t kNotMeasured = std::numeric_limits<std::int64_t>::min();
  std::atomic<std::int64_t> clock_skew_{kNotMeasured};
  std::mutex drift_mutex_;
  std::vector<std::string> logged_drift_;
};

}  // namespace gatehouse::cluster
