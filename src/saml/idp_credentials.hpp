#pragma once
// The IdP's SAML signing credentials: the node's RS256 signing keys (keys::KeyRing, shared and
// rotated by the cluster) each with an X.509 certificate, since SAML metadata publishes keys as
// certificates. The certificate is self-signed and made the same on every node from the key
// alone (serial from the kid, fixed validity, CN the IdP's host; PKCS#1 v1.5 signatures are
// deterministic), so every node publishes the same bytes and no certificate needs storing. SPs
// trust it because it is in the metadata, not because of its dates or issuer (saml2int).

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "keys/key_ring.hpp"
#include "saml/keys.hpp"

namespace gatehouse::saml {

struct IdpCredential {
  std::string kid;
  keys::KeyState state = keys::KeyState::kCurrent;
  std::string certificate_der;
  std::shared_ptr<const SigningKey> key;  // nullptr for a key published without its private part
};

/// Thread safe; certificates are made once per key and forgotten when the key leaves the set.
class IdpCredentials {
 public:
  explicit IdpCredentials(std::string common_name) : common_name_(std::move(common_name)) {}

  /// The credential that signs now: the current RS256 key; nullptr when the set has none.
  std::shared_ptr<const IdpCredential> signer(const keys::KeySet& set) const;
  /// What the metadata lists for signing: the current and the next RS256 key (SPs learn the next
  /// key before it signs; previous keys sign nothing any more).
  std::vector<std::shared_ptr<const IdpCredential>> published(const keys::KeySet& set) const;

 private:
  std::shared_ptr<const IdpCredential> credential(const keys::SigningKey& key) const;
  std::string common_name_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::shared_ptr<const IdpCredential>> cache_;  // by kid; guarded by mutex_
};

}  // namespace gatehouse::saml
