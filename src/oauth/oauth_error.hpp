#pragma once
// OAuth 2.0 error responses (RFC 6749 §5.2, RFC 7009 §2.2.1). One table maps each code to its
// wire name and HTTP status; the description is safe for clients, the detail goes to logs only.

#include <string>
#include <string_view>

#include "http/message.hpp"

namespace gatehouse::oauth {

enum class OAuthErrorCode {
  kInvalidRequest,
  kInvalidClient,
  kInvalidGrant,
  kUnauthorizedClient,
  kUnsupportedGrantType,
  kInvalidScope,
  kUnsupportedTokenType,
  kServerError,
  kTemporarilyUnavailable,
};

std::string_view wire_code(OAuthErrorCode code);

struct OAuthError {
  OAuthErrorCode code;
  std::string description;  // sent as error_description
  std::string detail;       // logged only
  /// The client tried HTTP Basic: a 401 then carries WWW-Authenticate: Basic (RFC 6749 §5.2).
  bool basic_attempted = false;
};

inline OAuthError oauth_error(OAuthErrorCode code, std::string description, std::string detail = {}) {
  return OAuthError{code, std::move(description), std::move(detail), false};
}

/// {"error","error_description"} with the status the RFC prescribes, Cache-Control: no-store.
http::Response oauth_error_response(const OAuthError& error);
/// 429 {"error":"too_many_requests"} with Retry-After: `retry_after` seconds (RFC 6585 §4).
http::Response too_many_requests(std::int64_t retry_after);

/// A JSON success response for OAuth endpoints: Cache-Control no-store and Pragma no-cache
/// (RFC 6749 §5.1).
http::Response oauth_json_response(const boost::json::value& body);

}  // namespace gatehouse::oauth
