#pragma once
// The body of POST /api/api-keys, read apart from the handler so that its parsing stands alone
// (fuzz/admin_json_fuzz.cpp feeds it). The key itself is never in the body: the server makes it.

#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "admin/api_key_store.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"

namespace gatehouse::admin {

/// Latest accepted expiry: 9999-12-31, so every value stays exact in JSON and JavaScript.
inline constexpr UnixSeconds kMaxApiKeyExpiry = 253'402'300'799;

/// What a new API key is asked to be.
struct ApiKeyRequest {
  std::string description;
  ApiKeyRole role = ApiKeyRole::kAdmin;
  std::optional<UnixSeconds> expires_at;  // nullopt: never
};

/// A refusal naming the member at fault; the message is safe to show.
struct ApiKeyRequestError {
  std::string field;
  std::string message;
};

/// Reads the members of a new key's document (an empty body is {}): description (a string of at
/// most 200 characters), role ("admin" or "read_only"), expires_at (null, or Unix seconds after
/// `now` and at most kMaxApiKeyExpiry). @returns the request, or the first member that is not
/// one of these or has a value they do not allow.
Result<ApiKeyRequest, ApiKeyRequestError> parse_api_key_request(const boost::json::object& doc, UnixSeconds now);

}  // namespace gatehouse::admin
