#pragma once
// Password hashes: argon2id (RFC 9106) through libargon2, stored as PHC strings that carry their
// own parameters, so the parameters can change later and old hashes still verify (and are
// re-hashed on the next successful sign-in). Hashing costs tens of milliseconds and ~19 MiB by
// design: call it on the worker pool, never on an I/O thread.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/secret.hpp"

namespace gatehouse::user {

/// A password as typed (sign-in form, admin API, kickstart file): never logged, wiped after use.
using Password = Secret<struct PasswordTag>;

struct Argon2Params {
  std::uint32_t memory_kib = 19 * 1024;  // OWASP's minimum recommendation for argon2id
  std::uint32_t iterations = 2;
  std::uint32_t parallelism = 1;
};

class PasswordHasher {
 public:
  explicit PasswordHasher(Argon2Params params) : params_(params) {}
  /// @returns the PHC string. @throws CryptoError if libargon2 fails (e.g. out of memory).
  std::string hash(const Password& password) const;
  /// Constant-time verification against a PHC string; false for a malformed or non-argon2id hash.
  bool verify(const Password& password, const std::string& phc) const;
  /// true if the hash was made with other parameters than the current ones.
  bool needs_rehash(const std::string& phc) const;
  /// Spends the time of one verification without a stored hash (unknown users), so timing does
  /// not tell whether a username exists.
  void verify_dummy(const Password& password) const;
  const Argon2Params& params() const { return params_; }

 private:
  Argon2Params params_;
};

}  // namespace gatehouse::user
