// libFuzzer target for JSON Web Signatures and the client assertions built on them
// (src/jose/jws.cpp, src/oauth/client_assertion.cpp, src/client/client_keys.cpp): a compact JWS
// verified against a fixed key set (RS256 and ES256, fuzz/jws_fuzz_keys.hpp), the same token as
// a private_key_jwt client assertion of a client that registered those keys, the client a token
// names before it is verified, and a client's registered JWK Set. Any input must give a value or
// a refusal, never a crash, a sanitizer report, a leak or a hang; an assertion is accepted once
// only, and a JWK Set as registered loads back. Built and run by scripts/fuzz.
//
// The first byte picks the input's kind:
//   'S'   a JOSE header and a claims set (JSON, separated by the first newline) that the target
//         signs with the ES256 key before checking the assertion, so the claims checks behind the
//         signature are fuzzed too (the fuzzer cannot forge a signature);
//   'J'   a JWK Set as a client registers it (normalize_jwks, then load_client_keys);
//   else  a compact JWS (its signed seeds come from fuzz/corpus/make-jws-seeds).

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "client/client_keys.hpp"
#include "core/base64url.hpp"
#include "jose/jws.hpp"
#include "jws_fuzz_keys.hpp"
#include "oauth/client_assertion.hpp"

namespace {

namespace json = boost::json;
using namespace gatehouse;

constexpr UnixSeconds kNow = 1'767'225'600;  // 2026-01-01; the seeds' iat
constexpr std::string_view kIssuer = "https://idp.example.com";
constexpr std::string_view kClientId = "fuzz-client";

/// The keys, made once from jws_fuzz_keys.hpp: the RSA public key, the EC key pair.
struct Keys {
  jose::KeyPair rsa =
      jose::KeyPair::from_public_jwk(jose::Algorithm::kRS256, json::parse(fuzzing::kRsaPublicJwk).as_object());
  jose::KeyPair ec = jose::KeyPair::from_private_der(jose::Algorithm::kES256, *base64url_decode(fuzzing::kEcPkcs8));
};
const Keys& keys() {
  static const Keys k;
  return k;
}

/// The client that registered both public keys (kids "rsa-1" and "ec-1").
const client::Client& registered_client() {
  static const client::Client c = [] {
    auto jwk = [](const jose::KeyPair& k, const char* kid) {
      auto o = k.public_jwk();
      o["kid"] = kid;
      o["alg"] = jose::to_string(k.algorithm());
      return o;
    };
    client::Client out;
    out.client_id = std::string(kClientId);
    out.token_endpoint_auth_method = "private_key_jwt";
    auto normalized = client::normalize_jwks(json::object{{"keys", json::array{jwk(keys().rsa, "rsa-1"), jwk(keys().ec, "ec-1")}}});
    if (!normalized) __builtin_trap();
    out.jwks = *normalized;
    return out;
  }();
  return c;
}

/// A replay store that forgets everything between inputs.
class MemoryReplays final : public token::ReplayStore {
 public:
  bool first_use(const std::string& key, UnixSeconds expires_at, UnixSeconds) override {
    return seen_.emplace(key, expires_at).second;
  }
  std::size_t purge_expired(UnixSeconds, std::size_t) override { return 0; }

 private:
  std::map<std::string, UnixSeconds> seen_;
};

const jose::KeyPair* lookup(std::string_view kid, jose::Algorithm alg) {
  if (alg == jose::Algorithm::kRS256 && (kid.empty() || kid == "rsa-1")) return &keys().rsa;
  if (alg == jose::Algorithm::kES256 && (kid.empty() || kid == "ec-1")) return &keys().ec;
  return nullptr;
}

/// As the token endpoint checks an assertion: an accepted one is refused the second time.
void check_assertion(std::string_view compact) {
  (void)oauth::assertion_client_id(compact);
  MemoryReplays replays;
  const FixedClock clock(kNow);
  const oauth::ClientAssertionVerifier verifier(std::string(kIssuer), replays, clock);
  if (!verifier.verify(compact, registered_client(), "/oauth2/token")) return;
  if (oauth::assertion_client_id(compact) != kClientId) __builtin_trap();
  if (verifier.verify(compact, registered_client(), "/oauth2/token")) __builtin_trap();
}

void compact_jws(std::string_view compact) {
  auto verified = jose::jws_verify(compact, lookup);
  if (verified) {
    // Only the fixed keys sign: what verifies names one of their algorithms.
    const auto* alg = verified->header.if_contains("alg");
    if (alg == nullptr || !alg->is_string() || !jose::algorithm_from_string(alg->get_string())) __builtin_trap();
  }
  check_assertion(compact);
}

void signed_claims(std::string_view text) {
  const auto newline = text.find('\n');
  if (newline == std::string_view::npos) return;
  std::string compact = base64url_encode(text.substr(0, newline)) + "." + base64url_encode(text.substr(newline + 1));
  compact += "." + base64url_encode(keys().ec.sign(compact));
  check_assertion(compact);
}

void jwk_set(std::string_view text) {
  boost::system::error_code ec;
  const auto doc = json::parse(text, ec);
  if (ec) return;
  auto normalized = client::normalize_jwks(doc);
  if (!normalized) return;
  // What registration stores loads back, every key of it.
  const auto again = json::parse(*normalized, ec);
  if (ec || !again.is_object() || !again.get_object().contains("keys")) __builtin_trap();
  const auto loaded = client::load_client_keys(*normalized);
  if (loaded.empty() || loaded.size() != again.get_object().at("keys").get_array().size()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0]) {
    case 'S': signed_claims(rest); break;
    case 'J': jwk_set(rest); break;
    default: compact_jws(rest); break;
  }
  return 0;
}
