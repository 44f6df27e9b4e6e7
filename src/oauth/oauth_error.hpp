#pragma once
// OAuth 2.0 errors, for every OAuth answer: the token endpoint's (RFC 6749 §5.2), the
// authorization endpoint's (§4.1.2.1, OpenID Connect Core §3.1.2.6), introspection's and
// revocation's (RFC 7009 §2.2.1). One table maps each code to its wire name and HTTP status; the
// description is safe for clients, the detail goes to logs only.

#include <functional>
#include <string>
#include <string_view>

#include "core/error.hpp"
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
  // The authorization endpoint's own (RFC 6749 §4.1.2.1; OpenID Connect Core §3.1.2.6).
  kAccessDenied,
  kUnsupportedResponseType,
  kLoginRequired,
  kInteractionRequired,
  kConsentRequired,
  kAccountSelectionRequired,
};

std::string_view wire_code(OAuthErrorCode code);

struct OAuthError {
  OAuthErrorCode code;
  std::string description;  // sent as error_description
  std::string detail;       // logged only
  /// The client tried HTTP Basic: a 401 then carries WWW-Authenticate: Basic (RFC 6749 §5.2).
  bool basic_attempted = false;
  /// Authorization endpoint: whether the error may go back to the redirect_uri. false until the
  /// client and its redirect_uri are verified (RFC 6749 §4.1.2.1): then it is shown to the user.
  bool may_redirect = true;
};

inline OAuthError oauth_error(OAuthErrorCode code, std::string description, std::string detail = {}) {
  return OAuthError{code, std::move(description), std::move(detail), false, true};
}
/// An authorization error that must not be redirected (no verified client or redirect_uri yet).
inline OAuthError local_oauth_error(OAuthErrorCode code, std::string description) {
  return OAuthError{code, std::move(description), {}, false, false};
}

/// The HTTP status an error is answered with on a direct (non-redirected) response.
int http_status(OAuthErrorCode code);

/// {"error","error_description"} with the status the RFC prescribes, Cache-Control: no-store.
http::Response oauth_error_response(const OAuthError& error);
/// 429 {"error":"too_many_requests"} with Retry-After: `retry_after` seconds (RFC 6585 §4).
http::Response too_many_requests(std::int64_t retry_after);

/// Counts one request answered 503 because the store failed (empty: not counted).
using StoreFaultCounter = std::function<void()>;

/// The answer answer_store_faults() gives to a store fault.
http::Response store_unavailable(const StoreFaultCounter& count, const http::Request& request, const StorageError& e);

/// The boundary of an OAuth endpoint (C7): runs `handle`; a StorageError it throws is logged
/// (without reaching the client), counted, and answered in the OAuth error shape:
/// 503 {"error":"temporarily_unavailable"} with Retry-After: 1 and Cache-Control: no-store.
template <class Handle>
http::Response answer_store_faults(const StoreFaultCounter& count, const http::Request& request, Handle&& handle) {
  try {
    return handle();
  } catch (const StorageError& e) {
    return store_unavailable(count, request, e);
  }
}

/// A JSON success response for OAuth endpoints: Cache-Control no-store and Pragma no-cache
/// (RFC 6749 §5.1).
http::Response oauth_json_response(const boost::json::value& body);

}  // namespace gatehouse::oauth
