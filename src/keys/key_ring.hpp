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

 private:
  KeyStore& store_;
  std::string encryption_key_;
  const Clock& clock_;
};

}  // namespace gatehouse::keys
