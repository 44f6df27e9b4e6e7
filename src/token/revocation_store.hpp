#pragma once
// Port: revoked self-contained (JWT) access tokens, by jti, kept until the token would have expired.

#include <cstddef>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace gatehouse::token {

/// The jti of an access token issued from a grant (a code and its refresh tokens):
/// "<grant_id>.<random>", so revoking the grant revokes the token without a record per token.
/// Grant ids are base64url (no '.').
std::string grant_jti(const std::string& grant_id);
/// The grant id in a jti made by grant_jti(), or "" for any other jti.
inline std::string grant_of_jti(std::string_view jti) {
  const auto dot = jti.find('.');
  return dot == std::string_view::npos ? std::string() : std::string(jti.substr(0, dot));
}

class RevocationStore {
 public:
  virtual ~RevocationStore() = default;
  /// Records the revocation. Idempotent: revoking twice is not an error.
  virtual void revoke(const std::string& jti, UnixSeconds expires_at) = 0;
  /// true if the jti was revoked, or if it is a grant's jti (grant_jti()) and that grant was
  /// revoked (RefreshTokenStore::revoke_grant) — even when the token was issued after that.
  virtual bool is_revoked(const std::string& jti) = 0;
  /// Deletes at most `limit` entries whose token expired before `now`. @returns how many.
  virtual std::size_t purge_expired(UnixSeconds now, std::size_t limit) = 0;
};

}  // namespace gatehouse::token
