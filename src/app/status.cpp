#include "app/status.hpp"

#include <boost/json.hpp>

namespace gatehouse::app {

http::Response status_response(bool draining, const std::function<bool()>& store_answers, std::string_view version) {
  http::Response r;
  if (draining) {
    r = http::json_response(503, boost::json::object{{"status", "draining"}});
  } else if (!store_answers()) {
    r = http::json_response(503, boost::json::object{{"status", "unavailable"}});
  } else {
    r = http::json_response(200, boost::json::object{{"status", "ok"}, {"version", version}});
  }
  r.set("Cache-Control", "no-store");
  return r;
}

}  // namespace gatehouse::app
