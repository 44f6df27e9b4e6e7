#pragma once
// The OIDC front door's continuation (signin::Continuation with kind "oidc"): the validated
// authorization request a sign-in resumes, and its encoding in the continuation's payload. The
// sign-in domain and the storage backends treat the payload as opaque bytes; only this front door
// (and, until the contract release, the storage compatibility shim) reads it.

#include <optional>
#include <string>

#include "core/clock.hpp"

namespace gatehouse::oidc {

struct AuthorizationRequest {
  std::string client_id;
  std::string redirect_uri;  // as requested: "" means the client's only registered one
  std::string response_type;
  std::string response_mode;
  std::string scope;
  std::string state;
  std::string nonce;
  std::string code_challenge;
  std::string code_challenge_method;
  std::string prompt;
  std::string login_hint;
  std::optional<UnixSeconds> max_age;
  std::string acr_values;  // recorded, not acted on yet
};

/// The payload: `name=value` pairs joined by '&', values percent-encoded, so any bytes round-trip
/// (the request fields are bounded but not otherwise validated: state may hold anything).
std::string encode_request(const AuthorizationRequest& request);
/// The request from a payload; a malformed payload gives nullopt (never a crash).
std::optional<AuthorizationRequest> decode_request(std::string_view payload);

}  // namespace gatehouse::oidc
