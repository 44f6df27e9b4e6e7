#pragma once
// Port: refresh tokens and the grants they belong to (RFC 6749 §6, RFC 9700 §4.14). Only hashes
// of refresh tokens are stored. Every use rotates the token; rotation is one atomic step in the
// store, so when two nodes receive the same token at once exactly one rotates it:
// - a second use within the grace window gets the answer the first use got (two browser tabs or a
//   retried request do not sign the user out);
// - a use after the grace window is a replay: the whole family (grant) is revoked.
// A grant also records the jti of every access token issued from it, so revoking the grant (code
// reuse, refresh replay, logout) makes those tokens inactive at introspection.

#include <cstddef>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "token/sign_in_facts.hpp"

namespace gatehouse::token {

struct RefreshToken {
  std::string token_hash;
  std::string grant_id;     // the family: every token rotated from the same authorization
  std::string client_id;
  std::string user_id;
  std::string scope;
  SignInFacts sign_in;
  UnixSeconds created_at = 0;
  UnixSeconds expires_at = 0;
};

enum class RotateOutcome {
  kRotated,   // this call rotated the token; the successor is stored
  kGrace,     // already rotated within the grace window: `previous_response` is what that use got
  kReplayed,  // already rotated before the grace window: the grant is now revoked
  kUnknown,
  kExpired,
  kRevoked,
};

struct RotateResult {
  RotateOutcome outcome = RotateOutcome::kUnknown;
  std::optional<RefreshToken> token;  // the presented token (all outcomes but kUnknown)
  std::string previous_response;      // kGrace: the sealed answer stored by the rotating use
};

class RefreshTokenStore {
 public:
  virtual ~RefreshTokenStore() = default;
  virtual void insert(const RefreshToken& token) = 0;
  /// Rotates `presented_hash` into `successor` atomically (see the file comment). `sealed_response`
  /// is kept with the rotated token for the grace window (the caller seals it; it holds tokens).
  virtual RotateResult rotate(const std::string& presented_hash, const RefreshToken& successor,
                              const std::string& sealed_response, UnixSeconds now, UnixSeconds grace) = 0;
  /// The token if it exists, is not expired, rotated or revoked.
  virtual std::optional<RefreshToken> find_active(const std::string& token_hash, UnixSeconds now) = 0;

  /// Remembers an access token issued from a grant (kept until it expires).
  virtual void record_access_token(const std::string& grant_id, const std::string& jti, UnixSeconds expires_at) = 0;
  /// Revokes every refresh token of the grant and adds the jti of every unexpired access token
  /// issued from it to the revocation list. Idempotent. @returns how many tokens it revoked now.
  virtual std::size_t revoke_grant(const std::string& grant_id, UnixSeconds now) = 0;
  /// Revokes every grant of a user (a sign-out everywhere): each refresh-token family with a token
  /// not yet revoked, and the grant of each of the user's stored authorization codes, so a code
  /// issued before is redeemed into tokens born revoked. The access tokens of those grants are
  /// revoked with them (RevocationStore::is_revoked). Idempotent. @returns the refresh tokens
  /// revoked now.
  virtual std::size_t revoke_user_grants(const std::string& user_id, UnixSeconds now) = 0;
  /// Deletes at most `limit` refresh tokens and access-token records past expiry. @returns how many.
  virtual std::size_t purge_expired(UnixSeconds now, std::size_t limit) = 0;
};

}  // namespace gatehouse::token
