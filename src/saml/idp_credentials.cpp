#include "saml/idp_credentials.hpp"

#include <chrono>
#include <set>

#include "jose/openssl/crypto.hpp"

namespace gatehouse::saml {
namespace {

using std::chrono::sys_days;
using namespace std::chrono;

/// A positive 63-bit serial from the kid: the same on every node, different per key.
std::uint64_t serial_of(const std::string& kid) {
  const auto digest = jose::sha256(kid);
  std::uint64_t serial = 0;
  for (int i = 0; i < 8; ++i) serial = (serial << 8) | static_cast<unsigned char>(digest[static_cast<std::size_t>(i)]);
  return (serial >> 1) | 1;
}

}  // namespace

std::shared_ptr<const IdpCredential> IdpCredentials::credential(const keys::SigningKey& key) const {
  std::lock_guard lock(mutex_);
  if (auto it = cache_.find(key.kid); it != cache_.end()) {
    if (it->second->state == key.state) return it->second;
    auto moved = std::make_shared<IdpCredential>(*it->second);  // same key and certificate, a new state
    moved->state = key.state;
    it->second = moved;
    return moved;
  }
  // Fixed, wide validity (SPs that check dates at all must not see it expire; RFC 5280 §4.1.2.5).
  const auto not_before = system_clock::time_point(sys_days(year{2020} / January / 1));
  const auto not_after = system_clock::time_point(sys_days(year{2199} / December / 31));
  auto cert = self_signed_certificate(*key.pair, common_name_, serial_of(key.kid), not_before, not_after);
  if (!cert) throw std::runtime_error("the SAML certificate of key " + key.kid + ": " + cert.error());
  auto out = std::make_shared<IdpCredential>();
  out->kid = key.kid;
  out->state = key.state;
  out->certificate_der = *cert;
  if (key.pair->has_private()) {
    auto signing = SigningKey::from_pkcs8(key.pair->private_der(), *cert);
    if (!signing) throw std::runtime_error("the SAML signing key " + key.kid + ": " + signing.error());
    out->key = std::make_shared<const SigningKey>(std::move(*signing));
  }
  cache_[key.kid] = out;
  return out;
}

std::shared_ptr<const IdpCredential> IdpCredentials::signer(const keys::KeySet& set) const {
  const auto* key = set.signer(jose::Algorithm::kRS256);
  return key == nullptr ? nullptr : credential(*key);
}

std::vector<std::shared_ptr<const IdpCredential>> IdpCredentials::published(const keys::KeySet& set) const {
  std::vector<std::shared_ptr<const IdpCredential>> out;
  std::set<std::string> live;
  for (const auto& key : set.keys()) {
    if (key.alg != jose::Algorithm::kRS256) continue;
    live.insert(key.kid);
    if (key.state == keys::KeyState::kCurrent || key.state == keys::KeyState::kNext) out.push_back(credential(key));
  }
  std::lock_guard lock(mutex_);
  std::erase_if(cache_, [&](const auto& entry) { return !live.contains(entry.first); });
  return out;
}

}  // namespace gatehouse::saml
