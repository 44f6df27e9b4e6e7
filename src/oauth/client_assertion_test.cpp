// private_key_jwt at the token and introspection endpoints (RFC 7523 §3, OpenID Connect Core §9),
// against a real (in-memory SQLite) store, a fixed clock and real keys.

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "client/client_keys.hpp"
#include "client/registration.hpp"
#include "core/base64url.hpp"
#include "jose/openssl/crypto.hpp"
#include "keys/key_ring.hpp"
#include "oauth/endpoints.hpp"
#include "oauth/token/token_endpoint.hpp"
#include "storage/sqlite/sqlite_backend.hpp"

namespace gatehouse::oauth {
namespace {

namespace json = boost::json;

constexpr std::string_view kIssuer = "https://id.example.com";
constexpr std::string_view kAssertionType = "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer";

class ClientAssertionTest : public ::testing::Test {
 protected:
  ClientAssertionTest()
      : backend_(storage::sqlite::SqliteOptions{":memory:", 2}),
        clock_(1'800'000'000),
        hasher_(KeyBytes(jose::random_bytes(32))),
        codec_(ring_, std::string(kIssuer)),
        verifier_(std::string(kIssuer), backend_.replays(), clock_),
        ec_(jose::KeyPair::generate(jose::Algorithm::kES256)),
        rsa_(jose::KeyPair::generate(jose::Algorithm::kRS256)),
        deps_{backend_.clients(), hasher_, codec_, backend_.revocations(), clock_, std::chrono::seconds(600),
              nullptr, &verifier_} {
    backend_.migrate();
    auto pair = std::make_shared<const jose::KeyPair>(jose::KeyPair::generate(jose::Algorithm::kES256));
    ring_.publish(std::make_shared<const keys::KeySet>(
        std::vector<keys::SigningKey>{{pair->thumbprint(), jose::Algorithm::kES256, keys::KeyState::kCurrent, pair}}));
    // "jwt": an EC key with kid "ec-1" and an RSA key without one (so it gets its thumbprint).
    auto rsa_jwk = rsa_.public_jwk();
    auto ec_jwk = ec_.public_jwk();
    ec_jwk["kid"] = "ec-1";
    add_client("jwt", "private_key_jwt", json::serialize(json::object{{"keys", json::array{ec_jwk, rsa_jwk}}}));
    add_client("svc", "client_secret_basic", "");
  }

  void add_client(std::string id, std::string method, const std::string& jwks) {
    client::ClientDraft d;
    d.client.client_id = std::move(id);
    d.client.token_endpoint_auth_method = std::move(method);
    d.client.grant_types = {"client_credentials"};
    d.client.scopes = {"api:read"};
    d.client.access_token_signed_response_alg = "ES256";
    if (!jwks.empty()) d.client.jwks = *client::normalize_jwks(json::parse(jwks));
    if (client::uses_secret(d.client)) d.secret = "a-long-enough-secret";
    ASSERT_TRUE(backend_.clients().insert(client::prepare_new_client(std::move(d), hasher_, clock_.now()).client));
  }

  json::object claims(std::string_view client = "jwt") {
    return json::object{{"iss", client},
                        {"sub", client},
                        {"aud", std::string(kIssuer) + "/oauth2/token"},
                        {"jti", jose::random_token(16)},
                        {"iat", clock_.now()},
                        {"exp", clock_.now() + 60}};
  }

  /// A compact JWS with exactly this header (JSON text) over these claims.
  static std::string signed_by(const jose::KeyPair& key, std::string_view header, const json::object& payload) {
    auto input = base64url_encode(header) + "." + base64url_encode(json::serialize(payload));
    return input + "." + base64url_encode(key.sign(input));
  }
  std::string es256(const json::object& payload) { return signed_by(ec_, R"({"alg":"ES256","kid":"ec-1"})", payload); }

  static http::Request post(std::string path, std::string body) {
    http::Request r;
    r.method = "POST";
    r.path = std::move(path);
    r.body = std::move(body);
    r.headers.push_back({"content-type", "application/x-www-form-urlencoded"});
    return r;
  }
  static std::string with_assertion(const std::string& assertion, std::string_view rest = "grant_type=client_credentials") {
    return std::string(rest) + "&client_assertion_type=" + std::string(kAssertionType) + "&client_assertion=" + assertion;
  }
  http::Response token(const std::string& assertion) {
    return token_endpoint(deps_, post("/oauth2/token", with_assertion(assertion)));
  }
  static std::string error_of(const http::Response& r) {
    return std::string(json::parse(r.body).as_object().at("error").as_string());
  }

  storage::sqlite::SqliteBackend backend_;
  FixedClock clock_;
  client::SecretHasher hasher_;
  keys::KeyRing ring_;
  token::AccessTokenCodec codec_;
  ClientAssertionVerifier verifier_;
  jose::KeyPair ec_;
  jose::KeyPair rsa_;
  OAuthDeps deps_;
};

TEST_F(ClientAssertionTest, AValidAssertionAuthenticatesOnceAndItsReplayIsRefused) {
  const auto assertion = es256(claims());
  auto r = token(assertion);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(codec_.decode(json::parse(r.body).at("access_token").as_string())->client_id, "jwt");
  r = token(assertion);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(error_of(r), "invalid_client");
  // The same jti in a freshly signed assertion is a replay too.
  auto again = claims();
  again["jti"] = json::parse(*base64url_decode(assertion.substr(assertion.find('.') + 1,
                                                               assertion.rfind('.') - assertion.find('.') - 1)))
                     .at("jti");
  EXPECT_EQ(token(es256(again)).status, 401);
}

TEST_F(ClientAssertionTest, AKeyWithoutKidIsUsedWhenItIsTheOnlyOneOfItsAlgorithm) {
  EXPECT_EQ(token(signed_by(rsa_, R"({"alg":"RS256"})", claims())).status, 200);
  EXPECT_EQ(token(signed_by(rsa_, R"({"alg":"RS256","kid":")" + rsa_.thumbprint() + R"("})", claims())).status, 200);
  EXPECT_EQ(token(signed_by(ec_, R"({"alg":"ES256"})", claims())).status, 200);
}

TEST_F(ClientAssertionTest, EveryAudienceOfOursIsAcceptedAndNoOther) {
  for (const json::value& aud : {json::value(kIssuer), json::value(std::string(kIssuer) + "/oauth2/token"),
                                json::value(json::array{"https://other.example", kIssuer})}) {
    auto c = claims();
    c["aud"] = aud;
    EXPECT_EQ(token(es256(c)).status, 200) << json::serialize(aud);
  }
  for (const json::value& aud : {json::value("https://id.example.com/"), json::value("https://other.example"),
                                json::value(json::array{}), json::value(42)}) {
    auto c = claims();
    c["aud"] = aud;
    EXPECT_EQ(token(es256(c)).status, 401) << json::serialize(aud);
  }
  auto c = claims();
  c.erase("aud");
  EXPECT_EQ(token(es256(c)).status, 401);
}

TEST_F(ClientAssertionTest, TimesAreCheckedWithASmallLeeway) {
  const auto now = clock_.now();
  struct Case {
    const char* claim;
    json::value value;
    int status;
  };
  const Case cases[] = {
      {"exp", json::value(now - 10), 200},          // within the 30 s leeway
      {"exp", json::value(now - 31), 401},          // expired
      {"exp", json::value(now + 300), 200},         // the longest lifetime accepted
      {"exp", json::value(now + 331), 401},         // further ahead than 300 s + leeway
      {"exp", json::value("soon"), 401},
      {"exp", json::value(nullptr), 401},
      {"nbf", json::value(now + 20), 200},
      {"nbf", json::value(now + 31), 401},
      {"iat", json::value(now + 31), 401},
      {"iat", json::value(now - 3600), 200},        // an old iat with a live exp is fine
      {"exp", json::value(static_cast<double>(now) + 59.5), 200},  // NumericDate may have a fraction
  };
  for (const auto& c : cases) {
    auto payload = claims();
    if (c.value.is_null()) payload.erase(c.claim);
    else payload[c.claim] = c.value;
    EXPECT_EQ(token(es256(payload)).status, c.status) << c.claim << "=" << json::serialize(c.value);
  }
}

TEST_F(ClientAssertionTest, IssuerSubjectJtiAndSignatureMustBeRight) {
  auto c = claims();
  c["sub"] = "svc";
  EXPECT_EQ(token(es256(c)).status, 401);  // names another client as subject
  c = claims();
  c["iss"] = "someone";
  EXPECT_EQ(token(es256(c)).status, 401);
  for (const json::value& jti : {json::value(nullptr), json::value(""), json::value(7), json::value(std::string(257, 'j'))}) {
    c = claims();
    if (jti.is_null()) c.erase("jti");
    else c["jti"] = jti;
    EXPECT_EQ(token(es256(c)).status, 401) << json::serialize(jti);
  }
  const auto stranger = jose::KeyPair::generate(jose::Algorithm::kES256);
  EXPECT_EQ(token(signed_by(stranger, R"({"alg":"ES256","kid":"ec-1"})", claims())).status, 401);
  EXPECT_EQ(token(signed_by(stranger, R"({"alg":"ES256"})", claims())).status, 401);
  EXPECT_EQ(token(signed_by(ec_, R"({"alg":"ES256","kid":"unknown"})", claims())).status, 401);
  EXPECT_EQ(token(signed_by(ec_, R"({"alg":"RS256","kid":"ec-1"})", claims())).status, 401);  // alg of another key
  const auto unsigned_jwt = base64url_encode(R"({"alg":"none"})") + "." + base64url_encode(json::serialize(claims())) + ".";
  EXPECT_EQ(token(unsigned_jwt).status, 401);
  EXPECT_EQ(token("not-a-jwt").status, 401);
}

TEST_F(ClientAssertionTest, TheRequestUsesExactlyOneMethodAndTheRegisteredOne) {
  const auto assertion = es256(claims());
  // The assertion and a secret, or half of the assertion parameters: invalid_request.
  auto r = token_endpoint(deps_, post("/oauth2/token", with_assertion(assertion) + "&client_secret=x"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r), "invalid_request");
  r = token_endpoint(deps_, post("/oauth2/token", "grant_type=client_credentials&client_assertion=" + assertion));
  EXPECT_EQ(r.status, 400);
  auto basic = post("/oauth2/token", with_assertion(assertion));
  basic.headers.push_back({"authorization", "Basic " + base64_encode("svc:a-long-enough-secret")});
  EXPECT_EQ(token_endpoint(deps_, basic).status, 400);
  // Another assertion type, or a client_id that is not the assertion's client: invalid_client.
  r = token_endpoint(deps_, post("/oauth2/token", "grant_type=client_credentials&client_assertion_type=urn%3Aother&"
                                                  "client_assertion=" + assertion));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(error_of(r), "invalid_client");
  EXPECT_EQ(token_endpoint(deps_, post("/oauth2/token", with_assertion(assertion) + "&client_id=svc")).status, 401);
  // A client registered for a secret cannot use an assertion, and the other way round.
  auto svc_claims = claims("svc");
  EXPECT_EQ(token(es256(svc_claims)).status, 401);
  auto secret_for_jwt = post("/oauth2/token", "grant_type=client_credentials");
  secret_for_jwt.headers.push_back({"authorization", "Basic " + base64_encode("jwt:a-long-enough-secret")});
  EXPECT_EQ(token_endpoint(deps_, secret_for_jwt).status, 401);
  EXPECT_EQ(token_endpoint(deps_, post("/oauth2/token", "grant_type=client_credentials&client_id=jwt")).status, 401);
  // With client_id given and matching, the untouched assertion still works.
  EXPECT_EQ(token_endpoint(deps_, post("/oauth2/token", with_assertion(assertion) + "&client_id=jwt")).status, 200);
}

TEST_F(ClientAssertionTest, WithoutAVerifierTheMethodIsRefused) {
  OAuthDeps without = deps_;
  without.assertions = nullptr;
  EXPECT_EQ(token_endpoint(without, post("/oauth2/token", with_assertion(es256(claims())))).status, 401);
}

TEST_F(ClientAssertionTest, IntrospectionAcceptsAnAssertionForItsOwnUrl) {
  auto issued = token(es256(claims()));
  ASSERT_EQ(issued.status, 200);
  const std::string access = std::string(json::parse(issued.body).at("access_token").as_string());
  auto c = claims();
  c["aud"] = std::string(kIssuer) + "/oauth2/introspect";
  auto r = introspection_endpoint(deps_, post("/oauth2/introspect", with_assertion(es256(c), "token=" + access)));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(json::parse(r.body).at("active").as_bool());
  // The introspection URL is not an audience at the token endpoint.
  EXPECT_EQ(token(es256(c)).status, 401);
}

TEST_F(ClientAssertionTest, TheFastPathLeavesAssertionsToAWorker) {
  client::CachingClientStore cache(backend_.clients(), std::chrono::seconds(60));
  ASSERT_TRUE(cache.find("jwt"));  // cached, ES256: everything the fast path wants but the method
  OAuthDeps fast = deps_;
  fast.cache = &cache;
  EXPECT_FALSE(token_endpoint_fast_path(fast, post("/oauth2/token", with_assertion(es256(claims())))).answer.has_value());
}

TEST(AssertionClientId, ReadsSubThenIssWithoutVerifying) {
  auto jwt = [](std::string_view payload) { return base64url_encode("{}") + "." + base64url_encode(payload) + ".x"; };
  EXPECT_EQ(assertion_client_id(jwt(R"({"sub":"a","iss":"b"})")), "a");
  EXPECT_EQ(assertion_client_id(jwt(R"({"iss":"b"})")), "b");
  EXPECT_FALSE(assertion_client_id(jwt(R"({"sub":5})")));
  EXPECT_FALSE(assertion_client_id(jwt("[]")));
  EXPECT_FALSE(assertion_client_id("a.b"));
  EXPECT_FALSE(assertion_client_id(""));
}

}  // namespace
}  // namespace gatehouse::oauth
