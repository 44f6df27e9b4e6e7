#pragma once
// Self-contained access tokens: JWTs following the RFC 9068 profile, so resource servers verify
// them offline with the JWKS. Revocation is recorded by jti in the RevocationStore and seen by
// introspection (RFC 7662).

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "jose/jws.hpp"
#include "keys/key_ring.hpp"

#include <boost/json/object.hpp>

namespace gatehouse::token {

struct AccessTokenClaims {
  std::string iss;
  std::string sub;
  std::vector<std::string> aud;
  std::string client_id;
  std::string scope;  // space-separated; omitted from the JWT when empty
  UnixSeconds iat = 0;
  UnixSeconds exp = 0;
  std::string jti;
};

class AccessTokenCodec {
 public:
  AccessTokenCodec(const keys::KeyRing& ring, std::string issuer) : ring_(ring), issuer_(std::move(issuer)) {}

  /// Signs the claims with the current key of `alg` (header typ "at+jwt", kid).
  /// @returns nullopt if no current key exists for alg (configuration no longer offers it).
  std::optional<std::string> issue(const AccessTokenClaims& claims, jose::Algorithm alg) const;

  /// Signs any claim set (an ID token, typ "JWT") with the current key of `alg`.
  /// @returns nullopt if no current key exists for alg.
  std::optional<std::string> sign(const boost::json::object& claims, jose::Algorithm alg, std::string_view typ) const;

  /// Verifies signature (any published key), typ at+jwt, iss == our issuer, and the claim types.
  /// @returns the claims if the token is ours and well formed, whether or not it has expired.
  std::optional<AccessTokenClaims> decode(std::string_view token) const;

  /// Verifies a JWT we signed that is not an access token (e.g. an ID token given back as
  /// id_token_hint) and that its iss is ours; never an access token or a Logout Token (by typ).
  /// @returns its claims, whether or not it has expired.
  std::optional<boost::json::object> decode_own_jwt(std::string_view token) const;

  const std::string& issuer() const { return issuer_; }

 private:
  const keys::KeyRing& ring_;
  std::string issuer_;
};

}  // namespace gatehouse::token
