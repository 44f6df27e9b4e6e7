#include "oauth/oauth_error.hpp"

#include <boost/json.hpp>

#include "core/log.hpp"

namespace gatehouse::oauth {

std::string_view wire_code(OAuthErrorCode code) {
  switch (code) {
    case OAuthErrorCode::kInvalidRequest: return "invalid_request";
    case OAuthErrorCode::kInvalidClient: return "invalid_client";
    case OAuthErrorCode::kInvalidGrant: return "invalid_grant";
    case OAuthErrorCode::kUnauthorizedClient: return "unauthorized_client";
    case OAuthErrorCode::kUnsupportedGrantType: return "unsupported_grant_type";
    case OAuthErrorCode::kInvalidScope: return "invalid_scope";
    case OAuthErrorCode::kUnsupportedTokenType: return "unsupported_token_type";
    case OAuthErrorCode::kServerError: return "server_error";
    case OAuthErrorCode::kTemporarilyUnavailable: return "temporarily_unavailable";
    case OAuthErrorCode::kAccessDenied: return "access_denied";
    case OAuthErrorCode::kUnsupportedResponseType: return "unsupported_response_type";
    case OAuthErrorCode::kLoginRequired: return "login_required";
    case OAuthErrorCode::kInteractionRequired: return "interaction_required";
    case OAuthErrorCode::kConsentRequired: return "consent_required";
    case OAuthErrorCode::kAccountSelectionRequired: return "account_selection_required";
  }
  return "server_error";
}

int http_status(OAuthErrorCode code) {
  switch (code) {
    case OAuthErrorCode::kInvalidClient: return 401;
    case OAuthErrorCode::kServerError: return 500;
    case OAuthErrorCode::kTemporarilyUnavailable: return 503;
    default: return 400;
  }
}

http::Response oauth_error_response(const OAuthError& error) {
  const int status = http_status(error.code);
  // Debug level: failed client authentication is routine noise under a guessing attack.
  if (!error.detail.empty()) spdlog::debug("oauth error {}: {}", wire_code(error.code), error.detail);
  boost::json::object body{{"error", wire_code(error.code)}};
  if (!error.description.empty()) body["error_description"] = error.description;
  auto r = http::json_response(status, body);
  r.set("Cache-Control", "no-store");
  r.set("Pragma", "no-cache");
  // RFC 9110 §11.6.1: a 401 carries a challenge; RFC 6749 §5.2 asks for the scheme the client used.
  if (status == 401) r.set("WWW-Authenticate", "Basic realm=\"gatehouse\", charset=\"UTF-8\"");
  return r;
}

http::Response store_unavailable(const StoreFaultCounter& count, const http::Request& request, const StorageError& e) {
  spdlog::error("request_id={} store unavailable: {}", request.request_id, e.what());
  if (count) count();
  auto r = oauth_error_response(oauth_error(OAuthErrorCode::kTemporarilyUnavailable, "the store is unavailable; retry later"));
  r.set("Retry-After", "1");
  return r;
}

http::Response oauth_json_response(const boost::json::value& body) {
  auto r = http::json_response(200, body);
  r.set("Cache-Control", "no-store");
  r.set("Pragma", "no-cache");
  return r;
}

http::Response too_many_requests(std::int64_t retry_after) {
  // OAuth error members, as every other answer of these endpoints.
  http::Response r;
  r.status = 429;
  r.body = R"({"error":"too_many_requests","error_description":"rate limit exceeded; retry after )" +
           std::to_string(retry_after) + R"( s"})";
  r.set("Content-Type", "application/json");
  r.set("Retry-After", std::to_string(retry_after));
  r.set("Cache-Control", "no-store");
  return r;
}

}  // namespace gatehouse::oauth
