#include "client/client_keys.hpp"

#include <algorithm>
#include <array>

#include <boost/json.hpp>

#include "core/error.hpp"

namespace gatehouse::client {
namespace {

namespace json = boost::json;

// Members that would make a registered key a private key or tie it to certificates we do not check.
constexpr std::array<std::string_view, 10> kRefusedMembers{"d", "p", "q", "dp", "dq", "qi", "oth", "k", "x5c", "x5u"};

std::string_view string_of(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

/// The algorithm a JWK's type signs with: RS256 for RSA, ES256 for EC (P-256 checked on loading).
Result<jose::Algorithm, std::string> algorithm_of(const json::object& jwk) {
  const auto kty = string_of(jwk, "kty");
  jose::Algorithm alg;
  if (kty == "RSA") {
    alg = jose::Algorithm::kRS256;
  } else if (kty == "EC") {
    alg = jose::Algorithm::kES256;
  } else {
    return unexpected(std::string("kty must be \"RSA\" or \"EC\""));
  }
  if (const auto* a = jwk.if_contains("alg")) {
    if (!a->is_string() || a->get_string() != jose::to_string(alg))
      return unexpected("alg must be " + std::string(jose::to_string(alg)) + " for kty " + std::string(kty));
  }
  if (const auto* use = jwk.if_contains("use"); use != nullptr && !(use->is_string() && use->get_string() == "sig"))
    return unexpected(std::string("use must be \"sig\""));
  return alg;
}

}  // namespace

Result<std::string, std::string> normalize_jwks(const json::value& jwks) {
  const auto* set = jwks.if_object();
  const auto* keys = set != nullptr ? set->if_contains("keys") : nullptr;
  if (keys == nullptr || !keys->is_array()) return unexpected(std::string("must be a JWK Set: {\"keys\": [...]}"));
  const auto& list = keys->get_array();
  if (list.empty() || list.size() > kMaxClientKeys)
    return unexpected("must hold 1 to " + std::to_string(kMaxClientKeys) + " keys");
  json::array out;
  std::vector<std::string> kids;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string where = "keys[" + std::to_string(i) + "]: ";
    const auto* jwk = list[i].if_object();
    if (jwk == nullptr) return unexpected(where + "must be a JSON object");
    for (auto refused : kRefusedMembers)
      if (jwk->contains(refused))
        return unexpected(where + "must be a public key without \"" + std::string(refused) + "\"");
    auto alg = algorithm_of(*jwk);
    if (!alg) return unexpected(where + alg.error());
    std::string kid;
    if (const auto* k = jwk->if_contains("kid")) {
      if (!k->is_string() || k->get_string().empty() || k->get_string().size() > 200)
        return unexpected(where + "kid must be a string of 1 to 200 characters");
      kid = std::string(k->get_string());
    }
    try {
      auto key = jose::KeyPair::from_public_jwk(*alg, *jwk);
      if (kid.empty()) kid = key.thumbprint();
      if (std::find(kids.begin(), kids.end(), kid) != kids.end())
        return unexpected(where + "kid \"" + kid + "\" is used twice");
      kids.push_back(kid);
      auto normalized = key.public_jwk();
      normalized["kid"] = kid;
      normalized["alg"] = jose::to_string(*alg);
      normalized["use"] = "sig";
      out.emplace_back(std::move(normalized));
    } catch (const CryptoError& e) {
      return unexpected(where + e.what());
    }
  }
  return json::serialize(json::object{{"keys", std::move(out)}});
}

std::vector<ClientKey> load_client_keys(std::string_view normalized) {
  std::vector<ClientKey> out;
  if (normalized.empty()) return out;
  boost::system::error_code ec;
  auto doc = json::parse(normalized, ec);
  const auto* keys = !ec && doc.is_object() ? doc.get_object().if_contains("keys") : nullptr;
  if (keys == nullptr || !keys->is_array()) return out;
  try {
    for (const auto& v : keys->get_array()) {
      const auto* jwk = v.if_object();
      if (jwk == nullptr) return {};
      auto alg = algorithm_of(*jwk);
      if (!alg) return {};
      out.push_back(ClientKey{std::string(string_of(*jwk, "kid")), jose::KeyPair::from_public_jwk(*alg, *jwk)});
    }
  } catch (const CryptoError&) {
    return {};
  }
  return out;
}

}  // namespace gatehouse::client
