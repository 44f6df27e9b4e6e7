#include "admin/admin_http.hpp"

#include <charconv>
#include <optional>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

namespace gatehouse::admin {


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

std::string etag(std::int64_t version) { return "\"" + std::to_string(version) + "\""; }

bool if_match_allows(const Request& req, std::int64_t version) {
  if (req.header_count("if-match") == 0) return true;
  const std::string mine = etag(version);
  // Repeated header lines form one list (RFC 9110 §5.3).
  for (const auto& h : req.headers) {
    if (h.name != "if-match") continue;
    std::string_view list = h.value;
    while (!list.empty()) {
      const auto comma = list.find(',');
      auto item = list.substr(0, comma);
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      if (item == "*" || item == mine) return true;
    }
  }
  return false;
}

Response precondition_failed(std::string_view what) {
  return error(412, "precondition_failed",
               std::string(what) + " changed since the version in If-Match (or since this request read it); read it "
                                   "again and retry");
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

namespace {

/// The key the Authorization header presents ("Bearer <key>" or the key alone); empty for none.
/// The API key of the Authorization header (Bearer), or an empty one.
ApiKeyValue presented_key(const Request& req) {
  if (req.header_count("authorization") != 1) return {};
  std::string_view v = *req.header("authorization");
  if (v.size() > 7 && http::ascii_lower(v.substr(0, 7)) == "bearer ") v.remove_prefix(7);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  return ApiKeyValue(v);
}

bool expired(const ApiKey& key, UnixSeconds now) { return key.expires_at && *key.expires_at <= now; }

/// Records a failed attempt: who (the expired key's id, if it was one), from where, when.
void audit_failure(const AdminDeps& deps, const Request& req, const std::optional<ApiKey>& stale) {
  if (deps.audit == nullptr) return;
  AuditEvent e;
  e.at = deps.clock.now_ms();
  e.node_id = deps.node_id;
  e.actor = stale ? "api-key:" + stale->id : "anonymous";
  e.action = stale ? "api_key.auth_failed.expired" : "api_key.auth_failed";
  e.target = req.path;
  e.client_address = req.client_address;
  e.status = 401;
  try {
    deps.audit->append(e);
  } catch (const std::exception& ex) {
    spdlog::error("audit: could not record {} from {}: {}", e.action, e.client_address, ex.what());
  }
}

http::Response too_many_failures(UnixSeconds retry_after) {
  auto r = error(429, "too_many_requests",
                 "too many failed API key attempts from this address; retry after " + std::to_string(retry_after) + " s");
  r.set("Retry-After", std::to_string(retry_after));
  return r;
}

}  // namespace

std::optional<ApiKey> authenticate(const AdminDeps& deps, const Request& req) {
  const auto v = presented_key(req);
  if (v.empty()) return std::nullopt;
  auto key = deps.api_keys.find_by_hash(deps.api_key_hasher.hash(v.reveal()));
  if (!key || expired(*key, deps.clock.now())) return std::nullopt;
  return key;
}

Result<ApiKey, Response> admit(const AdminDeps& deps, const Request& req) {
  const auto v = presented_key(req);
  if (v.empty()) return unexpected(unauthorized());  // nothing tried: not counted
  // A valid key is always let in, even from an address over the failure limit: many operators
  // share one address (a NAT, or every client when the balancer is not a trusted proxy), and
  // one of them guessing must not lock the others out. A key is 256 random bits: the limit is
  // there to bound the work and the audit trail a flood of wrong keys causes, not to stop a guess.
  auto key = deps.api_keys.find_by_hash(deps.api_key_hasher.hash(v.reveal()));
  if (key && !expired(*key, deps.clock.now())) return std::move(*key);
  if (deps.key_failures_exhausted)
    if (auto wait = deps.key_failures_exhausted(req.client_address)) return unexpected(too_many_failures(*wait));
  const std::int64_t failures = deps.key_failed ? deps.key_failed(req.client_address) : 1;
  if (failures == 1) {  // once per address and window, so a flood cannot grow the trail or the log
    audit_failure(deps, req, key);
    spdlog::warn("admin API: {} API key from {}", key ? "an expired" : "an unknown", req.client_address);
  }
  return unexpected(unauthorized());
}

bool permits(const ApiKey& key, const Request& req) {
  return key.role == ApiKeyRole::kAdmin || req.method == "GET" || req.method == "HEAD";
}

http::Response unauthorized() {
  auto r = error(401, "unauthorized", "a valid API key is required in the Authorization header");
  r.set("WWW-Authenticate", "Bearer realm=\"gatehouse-admin\"");
  return r;
}

http::Response read_only() {
  return error(403, "forbidden", "this API key is read-only: it may only read (GET)");
}

void record_audit(const AdminDeps& deps, const Request& req, const std::string& actor, const AuditSpec& spec,
                  std::string target, const std::string& before, const Response& answer) {
  if (deps.audit == nullptr) return;
  const bool changed = answer.status >= 200 && answer.status < 300;
  if (changed && target.empty() && !spec.id_field.empty()) {
    boost::system::error_code ec;
    auto body = boost::json::parse(answer.body, ec);
    if (!ec && body.is_object())
      if (const auto* id = body.get_object().if_contains(spec.id_field); id != nullptr && id->is_string())
        target = std::string(id->get_string());
  }
  AuditEvent e;
  e.at = deps.clock.now_ms();
  e.node_id = deps.node_id;
  e.actor = actor;
  e.action = std::string(spec.action);
  e.target = target;
  e.client_address = req.client_address;
  e.status = answer.status;
  e.before = before;
  if (changed && spec.snapshot && !target.empty()) e.after = spec.snapshot(deps, target);
  else if (!changed) e.after = before;  // refused: nothing changed
  try {
    deps.audit->append(e);
  } catch (const std::exception& ex) {
    // The change is made; losing its record is logged loudly but does not undo it.
    spdlog::error("audit: could not record {} {} by {}: {}", e.action, e.target, e.actor, ex.what());
  }
}

std::string query_text(const Request& req, std::string_view name) {
  auto value = raw_query_value(req.query, name);
  std::string decoded;
  if (!value || !http::percent_decode(*value, decoded, true)) return {};
  return decoded;
}

}  // namespace gatehouse::admin
