#pragma once
// GET /api/status, the load balancer's health check: 200 when this node can serve, 503 when its
// store does not answer, when it could not read the cluster's events for too long (its caches may
// be stale), when its clock is too far from the database's (what it issues would have wrong
// times), or while it drains after SIGTERM.

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "http/message.hpp"

namespace gatehouse::app {

struct StatusProbe {
  bool draining = false;                ///< the node received SIGTERM and is shutting down
  std::function<bool()> store_answers;  ///< probes the store (called only when not draining); must not throw
  std::function<bool()> in_step;        ///< cluster events were read recently; must not throw
  std::string_view version;
  std::string_view node_id;
  /// This node's clock minus the store's when beyond cluster.max_clock_skew_ms, else nullopt; must
  /// not throw. Unset: not checked.
  std::function<std::optional<std::int64_t>()> clock_off = {};
};

http::Response status_response(const StatusProbe& probe);

}  // namespace gatehouse::app
