#include "jose/jws.hpp"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "core/base64url.hpp"
#include "core/error.hpp"
#include "jose/openssl/crypto.hpp"

namespace gatehouse::jose {
namespace {

// Key generation (RSA especially) is slow: one key per algorithm for the whole suite.
const KeyPair& rsa_key() {
  static const KeyPair key = KeyPair::generate(Algorithm::kRS256);
  return key;
}
const KeyPair& ec_key() {
  static const KeyPair key = KeyPair::generate(Algorithm::kES256);
  return key;
}

KeyLookup only(const KeyPair& key, std::string kid = "k1") {
  return [&key, kid](std::string_view requested, Algorithm) -> const KeyPair* {
    return requested == kid ? &key : nullptr;
  };
}

// A compact JWS with an arbitrary header, validly signed by `key` (for headers jws_sign won't make).
std::string signed_with_header(const KeyPair& key, std::string_view header, std::string_view payload) {
  std::string input = base64url_encode(header) + "." + base64url_encode(payload);
  return input + "." + base64url_encode(key.sign(input));
}

// RFC 7638 §3.1.
constexpr const char* kRfc7638N =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKR"
    "XjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicA"
    "taSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3X"
    "PksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";

// RFC 7515 Appendix A.3 (ES256).
constexpr const char* kA3X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
constexpr const char* kA3Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
constexpr const char* kA3Jws =
    "eyJhbGciOiJFUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

TEST(Algorithm, AllowListIsExact) {
  EXPECT_EQ(to_string(Algorithm::kRS256), "RS256");
  EXPECT_EQ(to_string(Algorithm::kES256), "ES256");
  EXPECT_EQ(algorithm_from_string("RS256"), Algorithm::kRS256);
  EXPECT_EQ(algorithm_from_string("ES256"), Algorithm::kES256);
  for (const char* name : {"none", "None", "rs256", "es256", "HS256", "PS256", "RS256 ", ""}) {
    EXPECT_FALSE(algorithm_from_string(name)) << name;
  }
}

TEST(KeyPair, SignsAndVerifiesRs256) {
  const KeyPair& key = rsa_key();
  EXPECT_TRUE(key.has_private());
  const std::string sig = key.sign("input");
  EXPECT_EQ(sig.size(), 256u);
  EXPECT_TRUE(key.verify("input", sig));
  EXPECT_FALSE(key.verify("inpuT", sig));
  std::string bad = sig;
  bad[10] ^= 1;
  EXPECT_FALSE(key.verify("input", bad));
  EXPECT_FALSE(key.verify("input", sig.substr(1)));
  EXPECT_FALSE(key.verify("input", ""));
}

TEST(KeyPair, SignsAndVerifiesEs256WithRawSignatures) {
  const KeyPair& key = ec_key();
  const std::string sig = key.sign("input");
  EXPECT_EQ(sig.size(), 64u);  // RFC 7518 §3.4: R || S, not DER
  EXPECT_TRUE(key.verify("input", sig));
  EXPECT_FALSE(key.verify("inpuT", sig));
  std::string bad = sig;
  bad[40] ^= 1;
  EXPECT_FALSE(key.verify("input", bad));
  EXPECT_FALSE(key.verify("input", sig + "x"));
  EXPECT_FALSE(key.verify("input", std::string(64, '\0')));
  EXPECT_FALSE(key.verify("input", std::string(64, '\xff')));
}

TEST(KeyPair, PublicJwkHasOnlyPublicMembers) {
  const boost::json::object rsa = rsa_key().public_jwk();
  EXPECT_EQ(rsa.size(), 3u);
  EXPECT_EQ(rsa.at("kty"), "RSA");
  EXPECT_EQ(rsa.at("e"), "AQAB");
  EXPECT_EQ(base64url_decode(rsa.at("n").as_string())->size(), 256u);

  const boost::json::object ec = ec_key().public_jwk();
  EXPECT_EQ(ec.size(), 4u);
  EXPECT_EQ(ec.at("kty"), "EC");
  EXPECT_EQ(ec.at("crv"), "P-256");
  EXPECT_EQ(base64url_decode(ec.at("x").as_string())->size(), 32u);
  EXPECT_EQ(base64url_decode(ec.at("y").as_string())->size(), 32u);
}

TEST(KeyPair, ThumbprintMatchesRfc7638Example) {
  boost::json::object jwk{{"kty", "RSA"}, {"n", kRfc7638N}, {"e", "AQAB"},
                          {"alg", "RS256"}, {"kid", "2011-04-29"}};
  const KeyPair key = KeyPair::from_public_jwk(Algorithm::kRS256, jwk);
  EXPECT_FALSE(key.has_private());
  EXPECT_EQ(key.thumbprint(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  EXPECT_EQ(key.public_jwk().at("n"), kRfc7638N);
}

TEST(KeyPair, PrivateDerRoundTripKeepsTheKey) {
  for (const KeyPair* key : {&rsa_key(), &ec_key()}) {
    const KeyPair loaded = KeyPair::from_private_der(key->algorithm(), key->private_der());
    EXPECT_TRUE(loaded.has_private());
    EXPECT_EQ(loaded.thumbprint(), key->thumbprint());
    EXPECT_TRUE(key->verify("x", loaded.sign("x")));
  }
}

TEST(KeyPair, FromPrivateDerRejectsWrongTypeAndGarbage) {
  const std::string ec_der = ec_key().private_der();
  EXPECT_THROW(KeyPair::from_private_der(Algorithm::kRS256, ec_der), CryptoError);
  EXPECT_THROW(KeyPair::from_private_der(Algorithm::kES256, rsa_key().private_der()), CryptoError);
  EXPECT_THROW(KeyPair::from_private_der(Algorithm::kES256, ""), CryptoError);
  EXPECT_THROW(KeyPair::from_private_der(Algorithm::kES256, "not a key"), CryptoError);
  EXPECT_THROW(KeyPair::from_private_der(Algorithm::kES256, ec_der.substr(0, ec_der.size() - 1)), CryptoError);
  EXPECT_THROW(KeyPair::from_private_der(Algorithm::kES256, ec_der + "x"), CryptoError);
}

TEST(KeyPair, PublicJwkRoundTripVerifiesSignatures) {
  for (const KeyPair* key : {&rsa_key(), &ec_key()}) {
    const KeyPair pub = KeyPair::from_public_jwk(key->algorithm(), key->public_jwk());
    EXPECT_FALSE(pub.has_private());
    EXPECT_EQ(pub.thumbprint(), key->thumbprint());
    EXPECT_TRUE(pub.verify("message", key->sign("message")));
    EXPECT_FALSE(pub.verify("massage", key->sign("message")));
    EXPECT_THROW(pub.sign("message"), CryptoError);
    EXPECT_THROW(pub.private_der(), CryptoError);
  }
}

TEST(KeyPair, FromPublicJwkRejectsBadMembers) {
  const boost::json::object ec = ec_key().public_jwk();
  const boost::json::object rsa = rsa_key().public_jwk();
  auto with = [](boost::json::object jwk, std::string_view name, boost::json::value v) {
    jwk[name] = std::move(v);
    return jwk;
  };
  auto without = [](boost::json::object jwk, std::string_view name) {
    jwk.erase(name);
    return jwk;
  };
  const std::vector<std::pair<Algorithm, boost::json::object>> bad = {
      {Algorithm::kES256, rsa},
      {Algorithm::kRS256, ec},
      {Algorithm::kES256, with(ec, "kty", "RSA")},
      {Algorithm::kES256, with(ec, "crv", "P-384")},
      {Algorithm::kES256, without(ec, "y")},
      {Algorithm::kES256, with(ec, "x", 5)},
      {Algorithm::kES256, with(ec, "x", "not base64url!")},
      {Algorithm::kES256, with(ec, "x", boost::json::value(base64url_encode(std::string(31, 'a'))))},
      {Algorithm::kES256, with(ec, "x", kA3X)},  // the A.3 x with this key's y: off the curve
      // A.3's y with its last bit flipped: a valid field element, but not on P-256.
      {Algorithm::kES256, {{"kty", "EC"}, {"crv", "P-256"}, {"x", kA3X},
                           {"y", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5aw"}}},
      {Algorithm::kRS256, with(rsa, "kty", "EC")},
      {Algorithm::kRS256, without(rsa, "e")},
      {Algorithm::kRS256, with(rsa, "n", boost::json::value(base64url_encode(std::string(128, '\x81'))))},  // 1024 bits
      {Algorithm::kRS256, with(rsa, "e", "AQ")},  // e = 1
      {Algorithm::kRS256, with(rsa, "n", "%%%")},
  };
  for (std::size_t i = 0; i < bad.size(); ++i) {
    EXPECT_THROW(KeyPair::from_public_jwk(bad[i].first, bad[i].second), CryptoError) << "case " << i;
  }
}

TEST(KeyPair, MoveKeepsTheKeyUsable) {
  KeyPair a = KeyPair::generate(Algorithm::kES256);
  const std::string thumb = a.thumbprint();
  KeyPair b = std::move(a);
  EXPECT_EQ(b.thumbprint(), thumb);
  EXPECT_TRUE(b.verify("x", b.sign("x")));
}

TEST(KeyPair, ConcurrentSignAndVerifyOnOneKey) {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&failures, t] {
      for (int i = 0; i < 50; ++i) {
        const std::string input = "thread " + std::to_string(t) + " message " + std::to_string(i);
        const std::string sig = ec_key().sign(input);
        if (!ec_key().verify(input, sig) || ec_key().verify(input + "!", sig)) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(Jws, SignVerifyRoundTripBothAlgorithms) {
  for (const KeyPair* key : {&rsa_key(), &ec_key()}) {
    const std::string compact = jws_sign(*key, "k1", "JWT", R"({"sub":"alice"})");
    auto verified = jws_verify(compact, only(*key));
    ASSERT_TRUE(verified) << verified.error();
    EXPECT_EQ(verified->payload, R"({"sub":"alice"})");
    EXPECT_EQ(verified->header.at("alg").as_string(), std::string(to_string(key->algorithm())));
    EXPECT_EQ(verified->header.at("typ"), "JWT");
    EXPECT_EQ(verified->header.at("kid"), "k1");
  }
}

TEST(Jws, HeaderIsCompactJsonAndOmitsEmptyTyp) {
  const std::string compact = jws_sign(ec_key(), "a\"b", "", "{}");
  const std::string header = *base64url_decode(compact.substr(0, compact.find('.')));
  EXPECT_EQ(header, R"({"alg":"ES256","kid":"a\"b"})");
  EXPECT_TRUE(jws_verify(compact, only(ec_key(), "a\"b")));
}

TEST(Jws, AbsentKidIsLookedUpAsEmpty) {
  const std::string compact = signed_with_header(ec_key(), R"({"alg":"ES256"})", "{}");
  EXPECT_TRUE(jws_verify(compact, only(ec_key(), "")));
  EXPECT_FALSE(jws_verify(compact, only(ec_key(), "k1")));
}

TEST(Jws, VerifiesRfc7515AppendixA3) {
  const KeyPair key = KeyPair::from_public_jwk(
      Algorithm::kES256, {{"kty", "EC"}, {"crv", "P-256"}, {"x", kA3X}, {"y", kA3Y}});
  auto verified = jws_verify(kA3Jws, only(key, ""));
  ASSERT_TRUE(verified) << verified.error();
  const boost::json::value claims = boost::json::parse(verified->payload);
  EXPECT_EQ(claims.at("iss"), "joe");
  EXPECT_EQ(claims.at("exp"), 1300819380);
  std::string tampered = kA3Jws;
  char& c = tampered[tampered.rfind('.') + 10];  // inside R
  c = c == 'A' ? 'B' : 'A';
  auto rejected = jws_verify(tampered, only(key, ""));
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error(), "bad signature");
}

TEST(Jws, RejectsTamperedPayloadAndSignature) {
  for (const KeyPair* key : {&rsa_key(), &ec_key()}) {
    const std::string compact = jws_sign(*key, "k1", "JWT", R"({"sub":"alice"})");
    const std::size_t dot1 = compact.find('.');
    const std::size_t dot2 = compact.rfind('.');
    const std::string forged_payload =
        compact.substr(0, dot1 + 1) + base64url_encode(R"({"sub":"admin"})") + compact.substr(dot2);
    EXPECT_FALSE(jws_verify(forged_payload, only(*key)));
    std::string forged_sig = compact;
    forged_sig[dot2 + 5] = forged_sig[dot2 + 5] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(jws_verify(forged_sig, only(*key)));
    EXPECT_FALSE(jws_verify(compact.substr(0, dot2 + 1), only(*key)));  // signature stripped
  }
}

TEST(Jws, RejectsNoneAndSymmetricAlgorithms) {
  const std::string payload = base64url_encode(R"({"sub":"admin"})");
  const std::string none = base64url_encode(R"({"alg":"none","kid":"k1"})") + "." + payload + ".";
  EXPECT_FALSE(jws_verify(none, only(ec_key())));

  // The classic confusion: HMAC keyed with the public key's bytes.
  const std::string input = base64url_encode(R"({"alg":"HS256","kid":"k1"})") + "." + payload;
  const std::string hs256 =
      input + "." + base64url_encode(hmac_sha256(boost::json::serialize(rsa_key().public_jwk()), input));
  EXPECT_FALSE(jws_verify(hs256, only(rsa_key())));
}

TEST(Jws, RejectsHeaderAlgDifferentFromKeyAlg) {
  // Header claims ES256, the lookup hands back an RSA key (and the RSA signature is genuine).
  const std::string compact = signed_with_header(rsa_key(), R"({"alg":"ES256","kid":"k1"})", "{}");
  auto result = jws_verify(compact, only(rsa_key()));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), "alg does not match the key");
}

TEST(Jws, RejectsCritAndMalformedHeaders) {
  const KeyLookup lookup = only(ec_key());
  EXPECT_FALSE(jws_verify(signed_with_header(ec_key(), R"({"alg":"ES256","kid":"k1","crit":["exp"]})", "{}"), lookup));
  EXPECT_FALSE(jws_verify(signed_with_header(ec_key(), R"(["alg","ES256"])", "{}"), lookup));
  EXPECT_FALSE(jws_verify(signed_with_header(ec_key(), R"("ES256")", "{}"), lookup));
  EXPECT_FALSE(jws_verify(signed_with_header(ec_key(), R"({"alg":"ES256","kid":"k1")", "{}"), lookup));
  EXPECT_FALSE(jws_verify(signed_with_header(ec_key(), R"({"kid":"k1"})", "{}"), lookup));
  EXPECT_FALSE(jws_verify(signed_with_header(ec_key(), R"({"alg":256,"kid":"k1"})", "{}"), lookup));
  EXPECT_FALSE(jws_verify(signed_with_header(ec_key(), R"({"alg":"ES256","kid":1})", "{}"), lookup));
  // Control: the same shape with a valid header passes.
  EXPECT_TRUE(jws_verify(signed_with_header(ec_key(), R"({"alg":"ES256","kid":"k1"})", "{}"), lookup));
}

TEST(Jws, RejectsWrongPartCountAndBadBase64) {
  const KeyLookup lookup = only(ec_key());
  const std::string compact = jws_sign(ec_key(), "k1", "JWT", "{}");
  EXPECT_TRUE(jws_verify(compact, lookup));
  EXPECT_FALSE(jws_verify(compact.substr(0, compact.rfind('.')), lookup));  // 2 parts
  EXPECT_FALSE(jws_verify(compact + ".", lookup));                           // 4 parts
  EXPECT_FALSE(jws_verify(compact + ".AAAA", lookup));
  EXPECT_FALSE(jws_verify("", lookup));
  EXPECT_FALSE(jws_verify("..", lookup));
  EXPECT_FALSE(jws_verify("!!!.???.***", lookup));
  EXPECT_FALSE(jws_verify("eyJhbGciOiJFUzI1NiJ9=.e30.AAAA", lookup));
  std::string bad_sig = compact;
  bad_sig.back() = '*';
  EXPECT_FALSE(jws_verify(bad_sig, lookup));
}

TEST(Jws, RejectsUnknownKid) {
  const std::string compact = jws_sign(ec_key(), "someone-else", "JWT", "{}");
  auto result = jws_verify(compact, only(ec_key(), "k1"));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), "no key for kid and alg");
}

TEST(Jws, SignatureFromAnotherKeyIsRejected) {
  const KeyPair other = KeyPair::generate(Algorithm::kES256);
  EXPECT_FALSE(jws_verify(jws_sign(other, "k1", "JWT", "{}"), only(ec_key())));
}

}  // namespace
}  // namespace gatehouse::jose
