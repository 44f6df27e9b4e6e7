#pragma once
// Port: signing keys, sealed under the master key, and the master key's check value.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace gatehouse::keys {

/// Life cycle of a signing key (the cluster issue adds rotation): next → current → previous → retired.
enum class KeyState { kNext, kCurrent, kPrevious, kRetired };

inline std::string_view to_string(KeyState s) {
  switch (s) {
    case KeyState::kNext: return "next";
    case KeyState::kCurrent: return "current";
    case KeyState::kPrevious: return "previous";
    case KeyState::kRetired: return "retired";
  }
  return "retired";
}

inline std::optional<KeyState> key_state_from_string(std::string_view s) {
  if (s == "next") return KeyState::kNext;
  if (s == "current") return KeyState::kCurrent;
  if (s == "previous") return KeyState::kPrevious;
  if (s == "retired") return KeyState::kRetired;
  return std::nullopt;
}

struct StoredKey {
  std::string kid;              // RFC 7638 thumbprint of the public key
  std::string alg;              // RS256 | ES256
  KeyState state = KeyState::kCurrent;
  std::string sealed_private;   // AES-256-GCM(nonce || ciphertext || tag) of the PKCS#8 DER, aad = kid
  std::string public_jwk;       // JSON text of the public JWK (kty, n/e or crv/x/y)
  UnixSeconds created_at = 0;
  UnixSeconds activates_at = 0;
  std::optional<UnixSeconds> retires_at;
};

class KeyStore {
 public:
  virtual ~KeyStore() = default;
  /// Every key that is not retired (next, current, previous), ordered by created_at.
  virtual std::vector<StoredKey> list_active() = 0;
  /// Inserts `key` (state current) only if no current key exists for key.alg, atomically: when
  /// several callers race, exactly one wins. @returns true if this call inserted it.
  virtual bool insert_current_if_none(const StoredKey& key) = 0;
  /// Inserts `key` in state next only if no next key exists for key.alg, atomically: of racing
  /// callers exactly one wins. @returns true if this call inserted it.
  virtual bool insert_next_if_none(const StoredKey& key) = 0;
  /// Rotates key.alg's keys in one atomic step: the next key `next_kid` becomes current (activates_at
  /// = `now`) and the current key becomes previous, retiring at `previous_retires_at`. @returns
  /// false, changing nothing, unless `next_kid` is still that algorithm's next key (another
  /// rotation won the race).
  virtual bool promote_next(const std::string& alg, const std::string& next_kid, UnixSeconds now,
                            UnixSeconds previous_retires_at) = 0;
  /// Previous keys whose retires_at is at or before `now` become retired (they leave the JWKS).
  /// @returns how many.
  virtual std::size_t retire_previous(UnixSeconds now) = 0;

  /// The master key's check value (HMAC of a fixed label under a key derived from the master key).
  virtual std::optional<std::string> key_check() = 0;
  /// Stores the check value if none is stored yet. @returns the value stored afterwards (which is
  /// `value` if this call stored it, or the existing one).
  virtual std::string set_key_check_if_absent(const std::string& value) = 0;
};

}  // namespace gatehouse::keys
