#include "client/client_metadata.hpp"

#include <string>
#include <type_traits>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "client/client_keys.hpp"
#include "client/registration.hpp"
#include "client/secret_hasher.hpp"
#include "jose/openssl/crypto.hpp"

namespace gatehouse::client {
namespace {

namespace json = boost::json;

Result<ClientDraft, MetadataError> parse(std::string_view text) {
  return parse_metadata(json::parse(text).as_object(), MetadataDefaults{});
}

TEST(ClientMetadata, DefaultsFollowRfc7591) {
  auto d = parse(R"({"client_name":"svc"})");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->client.grant_types, std::vector<std::string>{"client_credentials"});
  EXPECT_EQ(d->client.token_endpoint_auth_method, "client_secret_basic");
  EXPECT_EQ(d->client.access_token_signed_response_alg, "RS256");
  EXPECT_TRUE(d->client.scopes.empty());
  EXPECT_FALSE(d->secret);
}

TEST(ClientMetadata, IdTokensDefaultToRs256WhateverTheAccessTokenDefault) {
  MetadataDefaults es;
  es.signing_alg = "ES256";
  auto d = parse_metadata(json::parse(R"({"client_name":"web"})").as_object(), es);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->client.access_token_signed_response_alg, "ES256");
  EXPECT_EQ(d->client.id_token_signed_response_alg, "RS256");
  auto chosen = parse(R"({"id_token_signed_response_alg":"ES256"})");
  ASSERT_TRUE(chosen);
  EXPECT_EQ(chosen->client.id_token_signed_response_alg, "ES256");
  EXPECT_EQ(to_json(chosen->client).at("id_token_signed_response_alg").as_string(), "ES256");
}

TEST(ClientMetadata, EachInvalidMemberIsNamed) {
  struct Case {
    const char* doc;
    const char* field;
    const char* code;
  };
  const Case cases[] = {
      {R"({"grant_types":"client_credentials"})", "grant_types", "invalid_client_metadata"},
      {R"({"grant_types":["password"]})", "grant_types", "invalid_client_metadata"},
      {R"({"grant_types":[]})", "grant_types", "invalid_client_metadata"},
      {R"({"token_endpoint_auth_method":"private_key_jwt"})", "jwks", "invalid_client_metadata"},
      {R"({"token_endpoint_auth_method":"client_secret_jwt"})", "token_endpoint_auth_method", "invalid_client_metadata"},
      {R"({"token_endpoint_auth_method":"none"})", "token_endpoint_auth_method", "invalid_client_metadata"},
      {R"({"scope":"a  b"})", "scope", "invalid_client_metadata"},
      {R"({"scope":"a\"b"})", "scope", "invalid_client_metadata"},
      {R"({"redirect_uris":["https://app.example.com/cb#frag"]})", "redirect_uris", "invalid_redirect_uri"},
      {R"({"redirect_uris":["/relative"]})", "redirect_uris", "invalid_redirect_uri"},
      {R"({"grant_types":["authorization_code"]})", "redirect_uris", "invalid_redirect_uri"},
      {R"({"access_token_signed_response_alg":"HS256"})", "access_token_signed_response_alg", "invalid_client_metadata"},
      {R"({"id_token_signed_response_alg":"none"})", "id_token_signed_response_alg", "invalid_client_metadata"},
      {R"({"id_token_signed_response_alg":1})", "id_token_signed_response_alg", "invalid_client_metadata"},
      {R"({"client_id":"has space"})", "client_id", "invalid_client_metadata"},
      {R"({"client_secret":"short"})", "client_secret", "invalid_client_metadata"},
      {R"({"bogus":1})", "bogus", "invalid_client_metadata"},
      {R"({"client_name":5})", "client_name", "invalid_client_metadata"},
  };
  for (const auto& c : cases) {
    auto d = parse(c.doc);
    ASSERT_FALSE(d) << c.doc;
    EXPECT_EQ(d.error().field, c.field) << c.doc;
    EXPECT_EQ(d.error().code, c.code) << c.doc;
  }
}

TEST(ClientMetadata, MfaPolicyIsOneOfThreeValuesKeptAndReadBack) {
  auto d = parse(R"({"client_name":"web","mfa_policy":"required"})");
  ASSERT_TRUE(d);
  EXPECT_EQ(mfa_policy(d->client), "required");
  EXPECT_EQ(to_json(d->client).at("mfa_policy").as_string(), "required");
  auto none = parse(R"({"client_name":"web"})");
  ASSERT_TRUE(none);
  EXPECT_EQ(mfa_policy(none->client), "") << "the installation default applies";
  auto null = parse(R"({"client_name":"web","mfa_policy":null})");
  ASSERT_TRUE(null) << "null is a member left out";
  EXPECT_EQ(mfa_policy(null->client), "");
  for (const char* bad : {R"({"mfa_policy":"always"})", R"({"mfa_policy":true})", R"({"mfa_policy":["off"]})"}) {
    auto refused = parse(bad);
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().field, "mfa_policy");
    EXPECT_EQ(refused.error().code, "invalid_client_metadata");
  }
}

TEST(ClientMetadata, CasMembersAreKeptAndReadBack) {
  auto d = parse(R"({"client_name":"wiki","cas_services":[{"match":"exact","url":"https://wiki.example.com/login"},
                      {"match":"prefix","url":"http://wiki.example.com/app"},
                      {"match":"regex","url":"https://[a-z]+\\.example\\.com/.*"}],
                    "cas_proxy_callbacks":[{"match":"prefix","url":"https://wiki.example.com/pgt"},
                      {"match":"regex","url":"https://wiki\\.example\\.com/cb/[0-9]+"}],
                    "cas_attributes":["email","preferred_username","groups"],"cas_sso":false,
                    "cas_logout_url":"https://wiki.example.com/slo","cas_services_ignored":null})");
  ASSERT_FALSE(d) << "an unknown member is still refused";
  EXPECT_EQ(d.error().field, "cas_services_ignored");
  d = parse(R"({"client_id":"wiki","cas_services":[{"match":"exact","url":"https://wiki.example.com/login"},
                 {"match":"prefix","url":"http://wiki.example.com/app"},
                 {"match":"regex","url":"https://[a-z]+\\.example\\.com/.*"}],
               "cas_proxy_callbacks":[{"match":"prefix","url":"https://wiki.example.com/pgt"}],
               "cas_attributes":["email","preferred_username","groups"],"cas_sso":false,
               "cas_logout_url":"https://wiki.example.com/slo"})");
  ASSERT_TRUE(d) << d.error().field << ": " << d.error().message;
  const auto doc = to_json(d->client);
  EXPECT_EQ(doc.at("cas_services").as_array().size(), 3u);
  EXPECT_EQ(doc.at("cas_services").as_array()[2].at("url").as_string(), "https://[a-z]+\\.example\\.com/.*");
  EXPECT_EQ(doc.at("cas_proxy_callbacks").as_array()[0].at("match").as_string(), "prefix");
  EXPECT_EQ(doc.at("cas_attributes").as_array().size(), 3u);
  EXPECT_EQ(doc.at("cas_sso").as_bool(), false);
  EXPECT_EQ(doc.at("cas_logout_url").as_string(), "https://wiki.example.com/slo");
  auto again = parse_metadata(doc, MetadataDefaults{});
  ASSERT_TRUE(again) << "a document read back registers again: " << again.error().field;
  EXPECT_EQ(again->client.extra_metadata, d->client.extra_metadata);
}

TEST(ClientMetadata, ACasOnlyApplicationHasNoOAuthGrantAndNoSecret) {
  auto d = parse(R"({"client_id":"wiki","cas_services":[{"match":"prefix","url":"https://wiki.example.com/"}]})");
  ASSERT_TRUE(d) << d.error().field << ": " << d.error().message;
  EXPECT_TRUE(d->client.grant_types.empty());
  EXPECT_EQ(d->client.token_endpoint_auth_method, "none");
  EXPECT_FALSE(uses_secret(d->client));
  d = parse(R"({"grant_types":[],"cas_services":[{"match":"prefix","url":"https://wiki.example.com/"}]})");
  ASSERT_TRUE(d) << "said explicitly";
  // A registration of the previous release (a CAS service with a secret, no grant_types) loads as before.
  d = parse(R"({"cas_services":[{"match":"prefix","url":"https://w.example.com/"}],"client_secret":"s3cret-s3cret-s3cret"})");
  ASSERT_TRUE(d) << d.error().field << ": " << d.error().message;
  EXPECT_EQ(d->client.grant_types, std::vector<std::string>{"client_credentials"});
  d = parse(R"({"grant_types":["client_credentials"],"cas_services":[{"match":"prefix","url":"https://w.example.com/"}]})");
  ASSERT_TRUE(d) << "a CAS service that also gets tokens";
  EXPECT_EQ(d->client.token_endpoint_auth_method, "client_secret_basic");
  struct Case {
    const char* doc;
    const char* field;
    const char* mention;
  };
  const Case cases[] = {
      {R"({"grant_types":[]})", "grant_types", "cas_services"},
      {R"({"grant_types":[],"cas_services":[]})", "grant_types", "cas_services"},
      {R"({"grant_types":[],"cas_services":[{"match":"prefix","url":"https://w.example.com/"}],"client_secret":"s3cret-s3cret-s3cret"})",
       "client_secret", "without OAuth grants"},
      {R"({"grant_types":[],"cas_services":[{"match":"prefix","url":"https://w.example.com/"}],"token_endpoint_auth_method":"client_secret_post"})",
       "token_endpoint_auth_method", "without OAuth grants"},
  };
  for (const auto& c : cases) {
    auto refused = parse(c.doc);
    ASSERT_FALSE(refused) << c.doc;
    EXPECT_EQ(refused.error().field, c.field) << c.doc;
    EXPECT_NE(refused.error().message.find(c.mention), std::string::npos) << c.doc << " -> " << refused.error().message;
  }
}

TEST(ClientMetadata, EachInvalidCasMemberIsNamed) {
  const std::string long_url = "https://app.example.com/" + std::string(2048, 'a');
  struct Case {
    std::string doc;
    const char* field;
    const char* mention;
  };
  const Case cases[] = {
      {R"({"cas_services":{"match":"exact","url":"https://a.example.com/"}})", "cas_services", "array"},
      {R"({"cas_services":["https://a.example.com/"]})", "cas_services", "exactly the members"},
      {R"({"cas_services":[{"match":"exact"}]})", "cas_services", "exactly the members"},
      {R"({"cas_services":[{"match":"exact","url":"https://a.example.com/","x":1}]})", "cas_services", "exactly"},
      {R"({"cas_services":[{"match":"glob","url":"https://a.example.com/"}]})", "cas_services", "\"regex\""},
      {R"({"cas_services":[{"match":"exact","url":5}]})", "cas_services", "url must be a string"},
      {R"({"cas_services":[{"match":"exact","url":"/relative"}]})", "cas_services", "absolute"},
      {R"({"cas_services":[{"match":"prefix","url":"ftp://a.example.com/"}]})", "cas_services", "http or https"},
      {R"({"cas_services":[{"match":"prefix","url":"https://user@a.example.com/"}]})", "cas_services", "user information"},
      {R"({"cas_services":[{"match":"exact","url":"https://a.example.com/#top"}]})", "cas_services", "fragment"},
      {R"({"cas_services":[{"match":"prefix","url":"https://a%2Eexample.com/"}]})", "cas_services", "host"},
      {R"({"cas_services":[{"match":"exact","url":")" + long_url + R"("}]})", "cas_services", "2048"},
      {R"({"cas_services":[{"match":"regex","url":"https://(a.example.com/"}]})", "cas_services", "offset"},
      {R"({"cas_services":[{"match":"regex","url":"(*UTF)https://.*"}]})", "cas_services", "regular expression"},
      {R"({"cas_services":[{"match":"exact","url":"https://a.example.com/"},{"match":"regex","url":"["}]})",
       "cas_services", "entry 2"},
      {R"({"cas_proxy_callbacks":[{"match":"exact","url":"http://a.example.com/pgt"}]})", "cas_proxy_callbacks",
       "must use https"},
      {R"({"cas_proxy_callbacks":[{"match":"regex","url":"a{2,1}"}]})", "cas_proxy_callbacks", "regular expression"},
      {R"({"cas_attributes":"email"})", "cas_attributes", "array"},
      {R"({"cas_attributes":["email",3]})", "cas_attributes", "claim names"},
      {R"({"cas_attributes":["has space"]})", "cas_attributes", "claim names"},
      {R"({"cas_attributes":["<x>"]})", "cas_attributes", "claim names"},
      {R"({"cas_attributes":["1st"]})", "cas_attributes", "claim names"},
      {R"({"cas_sso":"yes"})", "cas_sso", "true or false"},
      {R"j({"cas_logout_url":"javascript:alert(1)"})j", "cas_logout_url", "absolute"},
      {R"({"cas_logout_url":["https://a.example.com/"]})", "cas_logout_url", "string"},
  };
  for (const auto& c : cases) {
    auto d = parse(c.doc);
    ASSERT_FALSE(d) << c.doc;
    EXPECT_EQ(d.error().field, c.field) << c.doc;
    EXPECT_EQ(d.error().code, "invalid_client_metadata") << c.doc;
    EXPECT_NE(d.error().message.find(c.mention), std::string::npos) << c.doc << " -> " << d.error().message;
  }
  std::string many = R"({"cas_services":[)";
  for (int i = 0; i <= 100; ++i) many += std::string(i ? "," : "") + R"({"match":"exact","url":"https://a.example.com/"})";
  auto too_many = parse(many + "]}");
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().field, "cas_services");
}

TEST(ClientMetadata, RoundTripsThroughJsonWithoutTheSecret) {
  auto d = parse(R"({"client_id":"svc","client_secret":"0123456789abcdef!","scope":"a b",
                    "redirect_uris":["https://app.example.com/cb"],"grant_types":["client_credentials","authorization_code"]})");
  ASSERT_TRUE(d);
  SecretHasher hasher(KeyBytes(jose::random_bytes(32)));
  auto created = prepare_new_client(std::move(*d), hasher, 100);
  EXPECT_EQ(created.secret, "0123456789abcdef!");
  EXPECT_TRUE(hasher.matches("0123456789abcdef!", created.client.secret_hash));
  EXPECT_FALSE(hasher.matches("0123456789abcdef?", created.client.secret_hash));
  auto doc = to_json(created.client);
  EXPECT_FALSE(doc.contains("client_secret"));
  EXPECT_EQ(doc.at("scope").as_string(), "a b");
  auto again = parse_metadata(doc, MetadataDefaults{});
  ASSERT_TRUE(again) << again.error().field;
  EXPECT_EQ(again->client.grant_types, created.client.grant_types);
}

TEST(Registration, GeneratesIdsAndSecretsAndKeepsTheSecretOnReplace) {
  SecretHasher hasher(KeyBytes(jose::random_bytes(32)));
  auto created = prepare_new_client(*parse(R"({})"), hasher, 100);
  EXPECT_GE(created.client.client_id.size(), 16u);
  EXPECT_GE(created.secret.size(), 43u);
  auto replaced = prepare_replacement(created.client, *parse(R"({"client_name":"renamed"})"), hasher, 200);
  EXPECT_TRUE(replaced.secret.empty());
  EXPECT_EQ(replaced.client.secret_hash, created.client.secret_hash);
  EXPECT_EQ(replaced.client.created_at, 100);
  EXPECT_EQ(replaced.client.updated_at, 200);
  auto rotated = prepare_replacement(created.client, *parse(R"({"client_secret":"a-brand-new-secret-1"})"), hasher, 300);
  EXPECT_TRUE(hasher.matches("a-brand-new-secret-1", rotated.client.secret_hash));
}

TEST(SecretHasher, TakesItsKeyOnlyAsKeyBytes) {
  // A key can only arrive as a Secret: plain bytes (a std::string, a literal) do not convert.
  static_assert(std::is_constructible_v<SecretHasher, KeyBytes>);
  static_assert(!std::is_constructible_v<SecretHasher, std::string>);
  static_assert(!std::is_constructible_v<SecretHasher, const char*>);
  static_assert(!std::is_convertible_v<KeyBytes, SecretHasher>, "and only explicitly");
  const std::string key(32, 'k');
  SecretHasher hasher{KeyBytes(key)};
  EXPECT_EQ(hasher.hash("s3cret"), jose::hmac_sha256(key, "s3cret")) << "HMAC-SHA-256 under exactly those bytes";
  EXPECT_TRUE(hasher.matches("s3cret", jose::hmac_sha256(key, "s3cret")));
  EXPECT_FALSE(hasher.matches("s3cret", jose::hmac_sha256(std::string(32, 'x'), "s3cret")));
}

/// A JWK Set document holding the public half of `key`, with the given extra members.
std::string jwks_of(const jose::KeyPair& key, const std::string& extra = "") {
  auto jwk = key.public_jwk();
  std::string member = json::serialize(jwk);
  if (!extra.empty()) member.insert(member.size() - 1, "," + extra);
  return R"({"keys":[)" + member + "]}";
}

TEST(ClientKeys, PrivateKeyJwtClientsRegisterPublicKeysAndNoSecret) {
  const auto ec = jose::KeyPair::generate(jose::Algorithm::kES256);
  auto d = parse(R"({"token_endpoint_auth_method":"private_key_jwt","jwks":)" + jwks_of(ec, R"("kid":"k1")") + "}");
  ASSERT_TRUE(d) << d.error().field << ": " << d.error().message;
  SecretHasher hasher(KeyBytes(jose::random_bytes(32)));
  auto created = prepare_new_client(std::move(*d), hasher, 100);
  EXPECT_TRUE(created.secret.empty());
  EXPECT_TRUE(created.client.secret_hash.empty());
  const auto keys = load_client_keys(created.client.jwks);
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].kid, "k1");
  EXPECT_EQ(keys[0].key.thumbprint(), ec.thumbprint());
  // Shown back (and accepted again) with the kid, alg and use filled in.
  auto doc = to_json(created.client);
  const auto& jwk = doc.at("jwks").at("keys").at(0).as_object();
  EXPECT_EQ(jwk.at("alg").as_string(), "ES256");
  EXPECT_EQ(jwk.at("use").as_string(), "sig");
  EXPECT_TRUE(parse_metadata(doc, MetadataDefaults{}));
  // A client that moves to a secret method gets a secret, and one that moves back loses it.
  auto to_secret = prepare_replacement(created.client, *parse(R"({"client_name":"x"})"), hasher, 200);
  EXPECT_FALSE(to_secret.secret.empty());
  auto back = prepare_replacement(to_secret.client, *parse(R"({"token_endpoint_auth_method":"private_key_jwt","jwks":)" +
                                                           jwks_of(ec) + "}"),
                                  hasher, 300);
  EXPECT_TRUE(back.client.secret_hash.empty());
  EXPECT_EQ(load_client_keys(back.client.jwks).at(0).kid, ec.thumbprint());  // no kid: the thumbprint
}

TEST(ClientKeys, UnsafeOrUnusableKeySetsAreRefusedWithTheReason) {
  const auto ec = jose::KeyPair::generate(jose::Algorithm::kES256);
  const auto rsa = jose::KeyPair::generate(jose::Algorithm::kRS256);
  const std::string pkj = R"({"token_endpoint_auth_method":"private_key_jwt","jwks":)";
  struct Case {
    std::string doc;
    std::string field;
    std::string says;
  };
  const Case cases[] = {
      {pkj + jwks_of(ec, R"("d":"AAAA")") + "}", "jwks", "public key"},
      {pkj + jwks_of(ec, R"("alg":"RS256")") + "}", "jwks", "alg must be ES256"},
      {pkj + jwks_of(rsa, R"("use":"enc")") + "}", "jwks", "use must be"},
      {pkj + jwks_of(ec, R"("x5c":["AAAA"])") + "}", "jwks", "x5c"},
      {pkj + R"({"keys":[]}})", "jwks", "1 to 10 keys"},
      {pkj + R"([]})", "jwks", "JWK Set"},
      {pkj + R"({"keys":[{"kty":"oct","k":"AAAA"}]}})", "jwks", "public key"},
      {pkj + R"({"keys":[{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}]}})", "jwks", "keys[0]"},
      {pkj + R"({"keys":[)" + json::serialize(ec.public_jwk()) + "," + json::serialize(ec.public_jwk()) + "]}}",
       "jwks", "used twice"},
      {pkj + jwks_of(ec) + R"(,"client_secret":"0123456789abcdefgh"})", "client_secret", "no secret"},
      {R"({"jwks":)" + jwks_of(ec) + "}", "jwks", "only used with"},
      {R"({"token_endpoint_auth_method":"private_key_jwt","jwks_uri":"https://app.example/jwks"})", "jwks_uri",
       "register the public keys inline"},
  };
  for (const auto& c : cases) {
    auto d = parse(c.doc);
    ASSERT_FALSE(d) << c.doc;
    EXPECT_EQ(d.error().field, c.field) << c.doc;
    EXPECT_NE(d.error().message.find(c.says), std::string::npos) << c.doc << " -> " << d.error().message;
  }
  EXPECT_TRUE(load_client_keys("").empty());
  EXPECT_TRUE(load_client_keys("{not json").empty());
}

}  // namespace
}  // namespace gatehouse::client
