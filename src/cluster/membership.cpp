#include "cluster/membership.hpp"

#include <algorithm>
#include <map>

#include "core/error.hpp"
#include "core/log.hpp"
#include "jose/openssl/crypto.hpp"

namespace gatehouse::cluster {
namespace {

std::string seconds_between(UnixMillis from, UnixMillis to) { return std::to_string((to - from) / 1000); }

}  // namespace

std::vector<std::string> drift_of(const std::vector<NodeRecord>& nodes) {
  std::vector<std::string> out;
  auto compare = [&](const char* what, auto field) {
    std::map<std::string, std::vector<std::string>> by_value;
    for (const auto& n : nodes)
      if (n.state == NodeState::kUp) by_value[n.*field].push_back(n.node_id);
    if (by_value.size() < 2) return;
    std::string line = std::string(what) + " differs:";
    for (const auto& [value, ids] : by_value) {
      line += " " + (value.empty() ? std::string("(none)") : value) + " on";
      for (const auto& id : ids) line += " " + id;
      line += ";";
    }
    line.pop_back();
    out.push_back(std::move(line));
  };
  compare("version", &NodeRecord::version);
  compare("configuration", &NodeRecord::config_hash);
  compare("signing keys", &NodeRecord::keyset);
  return out;
}

Membership::Membership(NodeStore& nodes, JobStore& jobs, const Clock& clock, MembershipOptions options)
    : nodes_(nodes), jobs_(jobs), clock_(clock), options_(std::move(options)) {
  self_.node_id = options_.node_id;
  self_.instance = jose::random_token(12);
  self_.url = options_.url;
  self_.version = options_.version;
  self_.config_hash = options_.config_hash;
  self_.started_at = clock_.now_ms();
}

std::optional<std::int64_t> Membership::measure_clock() {
  std::optional<ClockSample> sample;
  try {
    sample = nodes_.store_clock(clock_);
  } catch (const std::exception& e) {
    // The check-in itself says whether the store answers; the clock keeps its last reading.
    spdlog::warn("could not compare this node's clock with the database's: {}", e.what());
    return clock_skew();
  }
  if (!sample) return std::nullopt;
  // A slow round trip (a busy server, a reconnection) blurs the reading by half its length: such a
  // sample is not trusted either way, and the last reading stands.
  const auto round_trip = sample->after - sample->before;
  if (round_trip < 0 || round_trip > std::max<UnixMillis>(options_.max_clock_skew / 4, 50)) return clock_skew();
  const std::int64_t skew = sample->before + round_trip / 2 - sample->store;
  const auto previous = clock_skew_.exchange(skew);
  const bool off = skew > options_.max_clock_skew || skew < -options_.max_clock_skew;
  const bool was_off = previous != kNotMeasured &&
                       (previous > options_.max_clock_skew || previous < -options_.max_clock_skew);
  if (off && !was_off) {
    spdlog::error("this node's clock is {} ms {} the database's (more than cluster.max_clock_skew_ms = {}): "
                  "answering 503 to every request but its health check, metrics and GET /api/system/, and "
                  "running no jobs, until it is set right (NTP)",
                  skew > 0 ? skew : -skew, skew > 0 ? "ahead of" : "behind", options_.max_clock_skew);
  } else if (!off && was_off) {
    spdlog::info("this node's clock is within {} ms of the database's again", options_.max_clock_skew);
  }
  return skew;
}

std::optional<std::int64_t> Membership::clock_skew() const {
  const auto skew = clock_skew_.load();
  if (skew == kNotMeasured) return std::nullopt;
  return skew;
}

std::optional<std::int64_t> Membership::clock_off() const {
  const auto skew = clock_skew();
  if (!skew || (*skew <= options_.max_clock_skew && *skew >= -options_.max_clock_skew)) return std::nullopt;
  return skew;
}

NodeRecord Membership::record(const std::string& keyset, std::int64_t applied_event) {
  NodeRecord r = self_;
  r.clock_skew_ms = measure_clock();
  r.last_checkin = clock_.now_ms();
  r.keyset = keyset;
  r.applied_event = applied_event;
  return r;
}

void Membership::join(const std::string& keyset, std::int64_t applied_event) {
  const auto me = record(keyset, applied_event);
  auto result = nodes_.join(me, options_.take_over_at_start ? -1 : options_.instance_timeout);
  if (!result.joined) {
    const auto& h = *result.holder;
    throw StartupError("cluster.node_id '" + options_.node_id + "' belongs to a live node (" +
                       (h.url.empty() ? std::string("no url") : h.url) + ", last check-in " +
                       seconds_between(h.last_checkin, me.last_checkin) +
                       " s ago); give this node its own id, or wait until the other one has been silent for " +
                       std::to_string(options_.instance_timeout / 1000) + " s");
  }
  last_checkin_ = me.last_checkin;
  spdlog::info("joined the cluster as node {}{}", options_.node_id, options_.url.empty() ? "" : " (" + options_.url + ")");
  if (const auto left = jobs_.release_owner(options_.node_id, me.last_checkin); left > 0)
    spdlog::warn("released {} job lease(s) an earlier run of node {} left behind; their jobs run again when due", left,
                 options_.node_id);
}

bool Membership::check_in(const std::string& keyset, std::int64_t applied_event) {
  try {
    const auto me = record(keyset, applied_event);
    if (!nodes_.check_in(me)) {
      // Removed (or taken over) while this node was paused longer than the timeouts.
      auto result = nodes_.join(me, options_.instance_timeout);
      if (!result.joined) {
        spdlog::error("node id {} is now held by another live node ({}); this node no longer checks in",
                      options_.node_id, result.holder->url);
        return false;
      }
      spdlog::warn("this node's membership had lapsed; it joined the cluster again");
    }
    last_checkin_ = me.last_checkin;
    auto drift = drift_of(nodes_.list());
    std::lock_guard lock(drift_mutex_);
    if (drift != logged_drift_) {
      for (const auto& line : drift) spdlog::warn("cluster drift: {}", line);
      if (drift.empty() && !logged_drift_.empty()) spdlog::info("cluster drift resolved: every node is in step");
      logged_drift_ = std::move(drift);
    }
    return true;
  } catch (const std::exception& e) {
    spdlog::warn("cluster check-in failed: {}", e.what());
    return false;
  }
}

void Membership::leave() noexcept {
  try {
    nodes_.leave(options_.node_id, self_.instance, clock_.now_ms());
    spdlog::info("left the cluster (node {})", options_.node_id);
  } catch (const std::exception& e) {
    spdlog::warn("could not mark this node as left: {}", e.what());
  }
}

JobSpec Membership::sweep_job(UnixMillis interval) {
  return {"cluster.sweep", interval, [this] { return sweep(); }, options_.instance_timeout};
}

std::string Membership::sweep() {
  const auto now = clock_.now_ms();
  std::size_t released = 0;
  auto silent = nodes_.mark_recovering(now - options_.instance_timeout);
  for (const auto& n : silent) {
    released += jobs_.release_owner(n.node_id, now);
    spdlog::warn("node {} ({}) is recovering: no check-in for {} s", n.node_id, n.url, seconds_between(n.last_checkin, now));
  }
  auto removed = nodes_.remove_dead(now - options_.instance_timeout - options_.recovery_timeout);
  for (const auto& n : removed)
    spdlog::warn("removed node {} ({}): no check-in for {} s", n.node_id, n.url, seconds_between(n.last_checkin, now));
  return std::to_string(silent.size()) + " node(s) marked recovering (" + std::to_string(released) +
         " job lease(s) released), " + std::to_string(removed.size()) + " removed";
}

ClusterView Membership::view() {
  ClusterView v;
  v.nodes = nodes_.list();
  v.drift = drift_of(v.nodes);
  return v;
}

}  // namespace gatehouse::cluster
