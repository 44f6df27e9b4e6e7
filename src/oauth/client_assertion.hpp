#pragma once
// private_key_jwt client authentication (RFC 7521 §4.2, RFC 7523 §2.2 and §3, OpenID Connect Core
// §9): the client proves itself with a JWT signed by a key it registered (client::ClientKey).
// Each assertion is accepted once, cluster-wide: its jti goes through a token::ReplayStore (the
// database, or Redis in front of it) and is remembered until the assertion expires.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "client/client.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "token/replay_store.hpp"

namespace gatehouse::oauth {

inline constexpr std::string_view kJwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

struct AssertionPolicy {
  /// The longest an assertion may still be valid when it arrives (exp - now). Bounds how long its
  /// jti is remembered; clients make a fresh assertion per request, typically valid for a minute.
  std::chrono::seconds max_lifetime{300};
  /// Clock difference tolerated between client and server for exp, nbf and iat (RFC 7523 §3).
  std::chrono::seconds leeway{30};
};

class ClientAssertionVerifier {
 public:
  /// @param issuer this server's issuer identifier (server.public_url): with the token endpoint's
  /// URL and the URL of the endpoint called, the audiences an assertion may name.
  ClientAssertionVerifier(std::string issuer, token::ReplayStore& replays, const Clock& clock,
                          AssertionPolicy policy = {});

  /// Checks `assertion` for `client`: signature by one of its keys (the header's kid, or its only
  /// key of that alg), iss and sub equal to its client_id, an audience of ours, exp present and not
  /// past (nor further than max_lifetime ahead), nbf and iat not in the future, a jti, and that
  /// jti not used before. @returns a reason for the log (never shown to the client verbatim).
  Result<void, std::string> verify(std::string_view assertion, const client::Client& client,
                                   std::string_view endpoint_path) const;

 private:
  std::string issuer_;
  token::ReplayStore& replays_;
  const Clock& clock_;
  AssertionPolicy policy_;
};

/// The client an assertion names, read without verifying it ("sub", else "iss"), to find the
/// client when the request has no client_id. @returns nullopt if it is not a JWT with such a claim.
std::optional<std::string> assertion_client_id(std::string_view assertion);

}  // namespace gatehouse::oauth
