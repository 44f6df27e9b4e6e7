#pragma once
// What every admin API handler shares: API-key authentication, JSON bodies in, JSON errors out
// ({"error","message","field"}), and paging parameters.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "admin/admin_api.hpp"
#include "core/result.hpp"
#include "http/router.hpp"

namespace gatehouse::admin {

// The names every admin handler file uses.
namespace json = boost::json;
using http::PathParams;
using http::Request;
using http::Response;

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
/// The strong entity tag of a record's version: "\"<version>\"" (RFC 9110 §8.8.3).
std::string etag(std::int64_t version);
/// RFC 9110 §13.1.1: true when the request has no If-Match, or one whose list holds "*" or this
/// version's tag (strong comparison: a weak tag never matches).
bool if_match_allows(const http::Request& req, std::int64_t version);
/// 412 precondition_failed: the record changed since the version the request names.
http::Response precondition_failed(std::string_view what);

/// The API key the Authorization header presents, if it is a stored one that has not expired.
std::optional<ApiKey> authenticate(const AdminDeps& deps, const http::Request& req);
/// The API key of a request, or the answer refusing it: 429 with Retry-After when the client
/// address failed too often in this window (before the key is even looked at), 401 for no key
/// or one that is unknown or expired. A key that fails is counted against the address, and the
/// first failure of an address in a window is written to the audit trail (action
/// "api_key.auth_failed"), so a flood of wrong keys adds one audit row per address and window.
Result<ApiKey, http::Response> admit(const AdminDeps& deps, const http::Request& req);
/// Whether `key` may make this request: an admin key anything, a read_only key GET (and HEAD).
bool permits(const ApiKey& key, const http::Request& req);
/// 401 unauthorized with WWW-Authenticate.
http::Response unauthorized();
/// 403 forbidden: a read_only key asked to change something.
http::Response read_only();

/// Wraps a handler so it runs only for a valid API key that permits the request (admit(), then
/// 403 for a read_only key on anything but GET).
template <class F>
http::Handler guarded(const AdminDeps& deps, F f) {
  return [&deps, f](const http::Request& req, const http::PathParams& params) -> http::Response {
    auto key = admit(deps, req);
    if (!key) return std::move(key.error());
    if (!permits(*key, req)) return read_only();
    return f(req, params);
  };
}

/// What the audit trail records about one kind of change.
struct AuditSpec {
  std::string_view action;    ///< e.g. "application.update"
  std::string_view param;     ///< the path parameter naming the resource ("" for a create)
  std::string_view id_field;  ///< for a create: the member of the answer naming the new resource
  /// The resource as JSON text without secrets, "" if it does not exist (nullptr: none recorded).
  std::string (*snapshot)(const AdminDeps& deps, const std::string& id) = nullptr;
};

/// Appends the audit event of one change (refused ones too, with their status and no "after").
void record_audit(const AdminDeps& deps, const http::Request& req, const std::string& actor, const AuditSpec& spec,
                  std::string target, const std::string& before, const http::Response& answer);

/// guarded(), and every call recorded in the audit trail: who (the API key), what, the resource
/// before and after, the node, the client address and the time.
template <class F>
http::Handler audited(const AdminDeps& deps, AuditSpec spec, F f) {
  return [&deps, spec, f](const http::Request& req, const http::PathParams& params) -> http::Response {
    auto key = admit(deps, req);
    if (!key) return std::move(key.error());
    std::string target = spec.param.empty() ? std::string() : params.get(spec.param);
    std::string before = spec.snapshot != nullptr && !target.empty() ? spec.snapshot(deps, target) : std::string();
    auto answer = permits(*key, req) ? f(req, params) : read_only();  // a refused change is recorded too
    record_audit(deps, req, "api-key:" + key->id, spec, std::move(target), before, answer);
    return answer;
  };
}

}  // namespace gatehouse::admin
