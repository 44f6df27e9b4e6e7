#include "app/status.hpp"

#include <boost/json.hpp>

namespace gatehouse::app {

http::Response status_response(const StatusProbe& probe) {
  http::Response r;
  if (probe.draining) {
    r = http::json_response(503, boost::json::object{{"status", "draining"}, {"node_id", probe.node_id}});
  } else if (!probe.store_answers()) {
    r = http::json_response(503, boost::json::object{{"status", "unavailable"}, {"node_id", probe.node_id}});
  } else if (!probe.in_step()) {
    r = http::json_response(503, boost::json::object{{"status", "out_of_step"}, {"node_id", probe.node_id}});
  } else if (const auto skew = probe.clock_off ? probe.clock_off() : std::nullopt) {
    r = http::json_response(
        503, boost::json::object{{"status", "clock_skew"}, {"clock_skew_ms", *skew}, {"node_id", probe.node_id}});
  } else {
    r = http::json_response(200, boost::json::object{{"status", "ok"}, {"version", probe.version}, {"node_id", probe.node_id}});
  }
  r.set("Cache-Control", "no-store");
  return r;
}

}  // namespace gatehouse::app
