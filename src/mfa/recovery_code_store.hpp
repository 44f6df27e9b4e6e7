#pragma once
// Port: each user's recovery codes, stored as keyed hashes (mfa::Factors computes them: HMAC-SHA-256
// under a subkey of the master key, over the user id and the normalised code), each usable once.

#include <cstddef>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace gatehouse::mfa {

/// Thread safety: every method is safe to call concurrently.
class RecoveryCodeStore {
 public:
  virtual ~RecoveryCodeStore() = default;
  /// Replaces every code of the user (used or not) with `code_hashes`, in one transaction: a reader
  /// sees the old set or the new one, never a mix.
  virtual void replace(const std::string& user_id, const std::vector<std::string>& code_hashes, UnixSeconds now) = 0;
  /// Marks the unused code `code_hash` of the user as used at `now`.
  /// @returns true for exactly one caller when several race; false for an unknown or used code.
  virtual bool use(const std::string& user_id, const std::string& code_hash, UnixSeconds now) = 0;
  /// How many unused codes the user has.
  virtual std::size_t remaining(const std::string& user_id) = 0;
  /// Deletes every code of the user. @returns how many.
  virtual std::size_t remove_all(const std::string& user_id) = 0;
};

}  // namespace gatehouse::mfa
