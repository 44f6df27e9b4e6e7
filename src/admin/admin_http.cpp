#include "admin/admin_http.hpp"

#include <charconv>
#include <optional>

#include <boost/json.hpp>

namespace gatehouse::admin {

namespace json = boost::json;
using http::Request;
using http::Response;

Response error(int status, std::string_view code, std::string_view message, std::string_view field) {
  json::object body{{"error", code}, {"message", message}};
  if (!field.empty()) body["field"] = field;
  auto r = http::json_response(status, body);
  r.set("Cache-Control", "no-store");
  return r;
}

Response ok(int status, const json::value& body) {
  auto r = http::json_response(status, body);
  r.set("Cache-Control", "no-store");
  return r;
}

/// Reads a JSON object body, or answers the error response.
Result<json::object, Response> read_object(const Request& req) {
  const auto* ct = req.header("content-type");
  if (ct == nullptr || http::media_type(*ct) != "application/json")
    return unexpected(error(415, "unsupported_media_type", "the body must be application/json"));
  boost::system::error_code ec;
  auto v = json::parse(req.body, ec);
  if (ec) return unexpected(error(400, "invalid_json", "the body is not valid JSON"));
  if (!v.is_object()) return unexpected(error(400, "invalid_json", "the body must be a JSON object"));
  return std::move(v.get_object());
}

namespace {

/// The raw (still percent-encoded) value of the first query parameter called `name`.
std::optional<std::string_view> raw_query_value(std::string_view q, std::string_view name) {
  std::size_t start = 0;
  while (start <= q.size()) {
    auto end = q.find('&', start);
    if (end == std::string_view::npos) end = q.size();
    auto pair = q.substr(start, end - start);
    start = end + 1;
    auto eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    return eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
  }
  return std::nullopt;
}

}  // namespace

Result<std::size_t, Response> query_number(const Request& req, std::string_view name, std::size_t fallback,
                                           std::size_t min, std::size_t max) {
  auto value = raw_query_value(req.query, name);
  if (!value) return fallback;
  std::size_t n = 0;
  auto [p, ec] = std::from_chars(value->data(), value->data() + value->size(), n);
  if (ec != std::errc{} || p != value->data() + value->size() || n < min || n > max)
    return unexpected(error(400, "invalid_parameter",
                            std::string(name) + " must be an integer from " + std::to_string(min) + " to " +
                                std::to_string(max),
                            name));
  return n;
}

/// Checks the Authorization header against the stored API keys.
bool authorized(const AdminDeps& deps, const Request& req) {
  if (req.header_count("authorization") != 1) return false;
  std::string_view v = *req.header("authorization");
  if (v.size() > 7 && http::ascii_lower(v.substr(0, 7)) == "bearer ") v.remove_prefix(7);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  if (v.empty()) return false;
  return deps.api_keys.find_by_hash(deps.api_key_hasher.hash(v)).has_value();
}

std::string query_text(const Request& req, std::string_view name) {
  auto value = raw_query_value(req.query, name);
  std::string decoded;
  if (!value || !http::percent_decode(*value, decoded, true)) return {};
  return decoded;
}

}  // namespace gatehouse::admin
