#pragma once
// Keyed hashes for high-entropy secrets (client secrets, API keys). A password hash would be wrong
// here: it costs tens of milliseconds on the token hot path and adds nothing for random secrets.
// The HMAC key is derived from the master key, so a stolen database alone cannot test guesses.

#include <string>
#include <string_view>

#include "core/secret.hpp"

namespace gatehouse::client {

class SecretHasher {
 public:
  /// The key arrives only as a Secret (a master-key subkey, or a test's KeyBytes).
  explicit SecretHasher(KeyBytes key) : key_(std::move(key)) {}
  /// HMAC-SHA-256(key, secret): 32 raw bytes.
  std::string hash(std::string_view secret) const;
  /// Constant-time comparison of hash(secret) with a stored hash.
  bool matches(std::string_view secret, std::string_view stored_hash) const;

 private:
  KeyBytes key_;
};

}  // namespace gatehouse::client
