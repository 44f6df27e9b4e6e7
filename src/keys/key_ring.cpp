#include "keys/key_ring.hpp"

#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/log.hpp"
#include "jose/openssl/crypto.hpp"

namespace gatehouse::keys {
namespace {

// The sealed private key is bound to its kid and algorithm, so a stored blob cannot be moved to
// another row unnoticed.
std::string aad_for(const std::string& kid, const std::string& alg) { return "gatehouse signing key|" + kid + "|" + alg; }

}  // namespace

KeySet::KeySet(std::vector<SigningKey> keys) : keys_(std::move(keys)) {
  boost::json::array list;
  for (const auto& k : keys_) {
    if (k.state == KeyState::kRetired) continue;
    auto jwk = k.pair->public_jwk();
    jwk["kid"] = k.kid;
    jwk["alg"] = jose::to_string(k.alg);
    jwk["use"] = "sig";
    list.push_back(std::move(jwk));
  }
  jwks_json_ = boost::json::serialize(boost::json::object{{"keys", std::move(list)}});
}

const SigningKey* KeySet::signer(jose::Algorithm alg) const {
  for (const auto& k : keys_)
    if (k.alg == alg && k.state == KeyState::kCurrent) return &k;
  return nullptr;
}

const jose::KeyPair* KeySet::verifier(std::string_view kid, jose::Algorithm alg) const {
  for (const auto& k : keys_)
    if (k.kid == kid && k.alg == alg && k.state != KeyState::kRetired) return k.pair.get();
  return nullptr;
}

KeyManager::KeyManager(KeyStore& store, const MasterKey& master, const Clock& clock)
    : store_(store), encryption_key_(master.derive(kKeyEncryptionPurpose)), clock_(clock) {}

void KeyManager::ensure_current_keys(const std::vector<jose::Algorithm>& algorithms) {
  auto existing = store_.list_active();
  for (auto alg : algorithms) {
    auto name = std::string(jose::to_string(alg));
    bool have = false;
    for (const auto& k : existing) have = have || (k.alg == name && k.state == KeyState::kCurrent);
    if (have) continue;
    auto pair = jose::KeyPair::generate(alg);
    StoredKey key;
    key.kid = pair.thumbprint();
    key.alg = name;
    key.state = KeyState::kCurrent;
    key.sealed_private = jose::aead_seal(encryption_key_, pair.private_der(), aad_for(key.kid, key.alg));
    key.public_jwk = boost::json::serialize(pair.public_jwk());
    key.created_at = clock_.now();
    key.activates_at = key.created_at;
    if (store_.insert_current_if_none(key))
      spdlog::info("generated signing key kid={} alg={}", key.kid, key.alg);
  }
}

std::shared_ptr<const KeySet> KeyManager::load() {
  std::vector<SigningKey> keys;
  for (const auto& stored : store_.list_active()) {
    auto alg = jose::algorithm_from_string(stored.alg);
    if (!alg) {
      spdlog::warn("skipping stored key kid={} with unsupported alg {}", stored.kid, stored.alg);
      continue;
    }
    auto der = jose::aead_open(encryption_key_, stored.sealed_private, aad_for(stored.kid, stored.alg));
    if (!der)
      throw StartupError("signing key " + stored.kid + " cannot be opened with this master key "
                         "(the key or the stored data differ from the cluster's)");
    auto pair = std::make_shared<const jose::KeyPair>(jose::KeyPair::from_private_der(*alg, *der));
    keys.push_back({stored.kid, *alg, stored.state, std::move(pair)});
  }
  return std::make_shared<const KeySet>(std::move(keys));
}

}  // namespace gatehouse::keys
