#pragma once
// GET /api/status, the load balancer's health check: 200 when this node can serve, 503 when its
// store does not answer or while it drains after SIGTERM.

#include <functional>
#include <string_view>

#include "http/message.hpp"

namespace gatehouse::app {

/// @param draining the node received SIGTERM and is shutting down.
/// @param store_answers probes the store (called only when not draining); must not throw.
http::Response status_response(bool draining, const std::function<bool()>& store_answers, std::string_view version);

}  // namespace gatehouse::app
