#pragma once
// What every admin API handler shares: API-key authentication, JSON bodies in, JSON errors out
// ({"error","message","field"}), and paging parameters.

#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "admin/admin_api.hpp"
#include "core/result.hpp"
#include "http/router.hpp"

namespace gatehouse::admin {

inline constexpr std::size_t kDefaultPageSize = 50;
inline constexpr std::size_t kMaxPageSize = 500;

/// An admin API error: {"error": code, "message": message, "field": field (when given)}, no-store.
http::Response error(int status, std::string_view code, std::string_view message, std::string_view field = {});
/// A JSON answer, no-store.
http::Response ok(int status, const boost::json::value& body);
/// Reads a JSON object body, or answers 415 (not application/json) / 400 invalid_json.
Result<boost::json::object, http::Response> read_object(const http::Request& req);
/// An integer query parameter in [min, max], `fallback` when absent, or a 400 naming it.
Result<std::size_t, http::Response> query_number(const http::Request& req, std::string_view name, std::size_t fallback,
                                                 std::size_t min, std::size_t max);
/// A query parameter's decoded value ("" when absent or malformed).
std::string query_text(const http::Request& req, std::string_view name);
/// Checks the Authorization header against the stored API keys.
bool authorized(const AdminDeps& deps, const http::Request& req);

/// Wraps a handler so it runs only for a valid API key (401 with WWW-Authenticate otherwise).
template <class F>
http::Handler guarded(const AdminDeps& deps, F f) {
  return [&deps, f](const http::Request& req, const http::PathParams& params) -> http::Response {
    if (!authorized(deps, req)) {
      auto r = error(401, "unauthorized", "a valid API key is required in the Authorization header");
      r.set("WWW-Authenticate", "Bearer realm=\"gatehouse-admin\"");
      return r;
    }
    return f(req, params);
  };
}

}  // namespace gatehouse::admin
