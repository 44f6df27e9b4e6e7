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

StoredKey KeyManager::generate(jose::Algorithm alg, KeyState state, UnixSeconds activates_at) {
  auto pair = jose::KeyPair::generate(alg);
  StoredKey key;
  key.kid = pair.thumbprint();
  key.alg = std::string(jose::to_string(alg));
  key.state = state;
  key.sealed_private = jose::aead_seal(encryption_key_.reveal(), pair.private_der(), aad_for(key.kid, key.alg));
  key.public_jwk = boost::json::serialize(pair.public_jwk());
  key.created_at = clock_.now();
  key.activates_at = activates_at;
  return key;
}

void KeyManager::ensure_current_keys(const std::vector<jose::Algorithm>& algorithms) {
  auto existing = store_.list_active();
  for (auto alg : algorithms) {
    auto name = std::string(jose::to_string(alg));
    bool have = false;
    for (const auto& k : existing) have = have || (k.alg == name && k.state == KeyState::kCurrent);
    if (have) continue;
    auto key = generate(alg, KeyState::kCurrent, clock_.now());
    if (store_.insert_current_if_none(key))
      spdlog::info("generated signing key kid={} alg={}", key.kid, key.alg);
  }
}

std::string RotationResult::summary() const {
  auto list = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
    return out.empty() ? std::string("none") : out;
  };
  std::string out = "rotated " + list(rotated) + "; new next keys " + list(generated) + "; retired " + std::to_string(retired);
  if (!refused.empty()) out += "; " + refused;
  return out;
}

RotationResult KeyManager::rotate(const std::vector<jose::Algorithm>& algorithms, const RotationPolicy& policy, bool force) {
  RotationResult result;
  auto find = [this](const std::string& alg, KeyState state) -> std::optional<StoredKey> {
    for (auto& k : store_.list_active())
      if (k.alg == alg && k.state == state) return k;
    return std::nullopt;
  };
  auto publish_next = [&](jose::Algorithm alg, const std::string& name) {
    const auto now = clock_.now();
    auto key = generate(alg, KeyState::kNext, now + policy.publish_ahead);
    if (store_.insert_next_if_none(key)) {
      spdlog::info("published next signing key kid={} alg={} (signs from {} s on at the earliest)", key.kid, name,
                   policy.publish_ahead);
      result.generated.push_back(name);
    }
  };
  for (auto alg : algorithms) {
    const auto name = std::string(jose::to_string(alg));
    auto current = find(name, KeyState::kCurrent);
    if (!current) {
      ensure_current_keys({alg});
      current = find(name, KeyState::kCurrent);
      if (!current) continue;
    }
    auto next = find(name, KeyState::kNext);
    if (!next) {
      publish_next(alg, name);
      next = find(name, KeyState::kNext);
      if (!next) continue;
    }
    const auto now = clock_.now();
    if (!force && now < current->activates_at + policy.period) continue;
    const auto published_for = now - next->created_at;
    if (published_for < policy.publish_ahead) {
      // Verifiers may still hold a JWKS without it: signing with it now would fail for them.
      if (force)
        result.refused += (result.refused.empty() ? "" : "; ") + name + ": the next key was published " +
                          std::to_string(published_for) + " s ago; JWKS caches may not have it until " +
                          std::to_string(policy.publish_ahead - published_for) + " s from now";
      continue;
    }
    if (store_.promote_next(name, next->kid, now, now + policy.retire_after)) {
      spdlog::info("rotated signing keys alg={}: kid={} signs now; kid={} verifies until it retires in {} s", name,
                   next->kid, current->kid, policy.retire_after);
      result.rotated.push_back(name);
      publish_next(alg, name);
    }
  }
  result.retired = store_.retire_previous(clock_.now());
  if (result.retired > 0) spdlog::info("retired {} previous signing key(s)", result.retired);
  return result;
}

std::shared_ptr<const KeySet> KeyManager::load() {
  std::vector<SigningKey> keys;
  for (const auto& stored : store_.list_active()) {
    auto alg = jose::algorithm_from_string(stored.alg);
    if (!alg) {
      spdlog::warn("skipping stored key kid={} with unsupported alg {}", stored.kid, stored.alg);
      continue;
    }
    auto der = jose::aead_open(encryption_key_.reveal(), stored.sealed_private, aad_for(stored.kid, stored.alg));
    if (!der)
      throw StartupError("signing key " + stored.kid + " cannot be opened with this master key "
                         "(the key or the stored data differ from the cluster's)");
    auto pair = std::make_shared<const jose::KeyPair>(jose::KeyPair::from_private_der(*alg, *der));
    keys.push_back({stored.kid, *alg, stored.state, std::move(pair)});
  }
  return std::make_shared<const KeySet>(std::move(keys));
}

}  // namespace gatehouse::keys
