#pragma once
// Port: revoked self-contained (JWT) access tokens, by jti, kept until the token would have expired.

#include <cstddef>
#include <string>

#include "core/clock.hpp"

namespace gatehouse::token {

class RevocationStore {
 public:
  virtual ~RevocationStore() = default;
  /// Records the revocation. Idempotent: revoking twice is not an error.
  virtual void revoke(const std::string& jti, UnixSeconds expires_at) = 0;
  virtual bool is_revoked(const std::string& jti) = 0;
  /// Deletes at most `limit` entries whose token expired before `now`. @returns how many.
  virtual std::size_t purge_expired(UnixSeconds now, std::size_t limit) = 0;
};

}  // namespace gatehouse::token
