#pragma once
// The signing keys a node uses, as an immutable snapshot (C10): requests take one shared_ptr copy
// and sign or verify with it; a reload builds a whole new KeySet and publishes it atomically.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "core/clock.hpp"
#include "jose/jws.hpp"
#include "keys/key_store.hpp"
#include "keys/master_key.hpp"

namespace gatehouse::keys {

struct SigningKey {
  std::string kid;
  jose::Algorithm alg;
  KeyState state;
  std::shared_ptr<const jose::KeyPair> pair;
};

class KeySet {
 public:
  explicit KeySet(std::vector<SigningKey> keys);
  /// The key that signs new tokens of this algorithm, or nullptr if none is current.
  const SigningKey* signer(jose::Algorithm alg) const;
  /// A key that may verify: any non-retired key with this kid and algorithm, or nullptr.
  const jose::KeyPair* verifier(std::string_view kid, jose::Algorithm alg) const;
  const std::vector<SigningKey>& keys() const { return keys_; }
  /// The JWKS document (RFC 7517 §5) with every published key, serialized once.
  const std::string& jwks_json() const { return jwks_json_; }

 private:
  std::vector<SigningKey> keys_;
  std::string jwks_json_;
};

class KeyRing {
 public:
  std::shared_ptr<const KeySet> current() const {
    std::lock_guard lock(mutex_);
    return current_;
  }
  void publish(std::shared_ptr<const KeySet> next) {
    std::lock_guard lock(mutex_);
    current_ = std::move(next);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const KeySet> current_ = std::make_shared<const KeySet>(std::vector<SigningKey>{});
};

/// When keys rotate (OpenID Connect WG practice: every two days).
struct RotationPolicy {
  UnixSeconds period = 48 * 3600;     ///< a current key signs this long, then the next one takes over
  UnixSeconds publish_ahead = 300;    ///< a next key is in the JWKS this long before it signs (JWKS max-age)
  UnixSeconds retire_after = 3660;    ///< a previous key stays in the JWKS this long (longest token + skew)
};

struct RotationResult {
  std::vector<std::string> rotated;    ///< algorithms whose next key became current
  std::vector<std::string> generated;  ///< algorithms that got a new next key
  std::size_t retired = 0;             ///< previous keys that left the JWKS
  std::string refused;                 ///< a forced rotation that had to wait, and why
  bool changed() const { return !rotated.empty() || !generated.empty() || retired > 0; }
  std::string summary() const;
};

/// Loads, creates and seals signing keys.
class KeyManager {
 public:
  KeyManager(KeyStore& store, const MasterKey& master, const Clock& clock);
  /// Makes sure a current key exists for each algorithm, generating and storing missing ones.
  /// Atomic in the store: when several nodes start together only one key per algorithm is kept.
  /// Slow for RSA (key generation): call at start-up or from a job, never on the request path.
  void ensure_current_keys(const std::vector<jose::Algorithm>& algorithms);
  /// Reads every active key from the store, opens it with the master key and builds a KeySet.
  /// @throws StartupError if a stored key cannot be opened (wrong master key or tampering).
  std::shared_ptr<const KeySet> load();
  /// One rotation step: keys move next → current → previous → retired. A next key is kept
  /// published for each algorithm; once the current key is `period` old (or `force`), the next
  /// key takes over if it has been in the JWKS for `publish_ahead`, and a new next key is made.
  /// Atomic in the store: racing callers rotate once. Slow for RSA (key generation).
  RotationResult rotate(const std::vector<jose::Algorithm>& algorithms, const RotationPolicy& policy, bool force);

 private:
  StoredKey generate(jose::Algorithm alg, KeyState state, UnixSeconds activates_at);

  KeyStore& store_;
  KeyBytes encryption_key_;
  const Clock& clock_;
};

}  // namespace gatehouse::keys
