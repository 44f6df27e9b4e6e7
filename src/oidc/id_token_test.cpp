#include "oidc/id_token.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace gatehouse::oidc {
namespace {

user::User ada() {
  user::User u;
  u.id = "u-123";
  u.username = "ada";
  u.email = "ada@example.com";
  u.email_verified = true;
  u.name = "Ada Lovelace";
  u.given_name = "Ada";
  u.family_name = "Lovelace";
  u.phone_number = "+44 20 7946 0000";
  u.updated_at = 1700000000;
  return u;
}

TEST(IdToken, AtHashMatchesTheOidcCoreExample) {
  // OpenID Connect Core 1.0, Appendix A.3/A.4.
  EXPECT_EQ(left_half_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"), "77QmUPtjPfzWtF2AnpK9RQ");
}

TEST(IdToken, ScopesReleaseTheirClaimsOnly) {
  auto u = ada();
  auto none = scope_claims(u, {"openid"});
  EXPECT_EQ(none.size(), 1u);
  EXPECT_EQ(none.at("sub").as_string(), "u-123");
  auto profile = scope_claims(u, {"openid", "profile"});
  EXPECT_EQ(profile.at("name").as_string(), "Ada Lovelace");
  EXPECT_EQ(profile.at("preferred_username").as_string(), "ada");
  EXPECT_FALSE(profile.contains("email"));
  EXPECT_FALSE(profile.contains("nickname")) << "empty values are left out";
  auto email = scope_claims(u, {"openid", "email"});
  EXPECT_EQ(email.at("email").as_string(), "ada@example.com");
  EXPECT_TRUE(email.at("email_verified").as_bool());
  EXPECT_FALSE(email.contains("name"));
  auto phone = scope_claims(u, {"phone"});
  EXPECT_FALSE(phone.at("phone_number_verified").as_bool());
  EXPECT_FALSE(scope_claims(u, {"openid", "groups"}).contains("groups")) << "no groups: no claim";
  u.groups = {"admins", "engineers"};
  EXPECT_FALSE(scope_claims(u, {"openid", "profile"}).contains("groups")) << "only with the groups scope";
  EXPECT_EQ(boost::json::serialize(scope_claims(u, {"openid", "groups"}).at("groups")), R"(["admins","engineers"])");
}

TEST(IdToken, ScopeClaimsKeepTheirNamesOrderAndBytes) {
  // Every claim filled: the serialized answer (ID token payload, userinfo body) is pinned byte for
  // byte, order included, so a change in how the claims are listed cannot change what clients get.
  auto u = ada();
  u.middle_name = "Augusta";
  u.nickname = "Countess";
  u.picture = "https://example.com/ada.png";
  u.locale = "en-GB";
  u.phone_number_verified = true;
  EXPECT_EQ(boost::json::serialize(scope_claims(u, {"openid", "profile", "email", "phone"})),
            R"({"sub":"u-123","name":"Ada Lovelace","given_name":"Ada","family_name":"Lovelace",)"
            R"("middle_name":"Augusta","nickname":"Countess","preferred_username":"ada",)"
            R"("picture":"https://example.com/ada.png","locale":"en-GB","updated_at":1700000000,)"
            R"("email":"ada@example.com","email_verified":true,"phone_number":"+44 20 7946 0000",)"
            R"("phone_number_verified":true})");
  u.given_name.clear();
  u.picture.clear();
  EXPECT_EQ(boost::json::serialize(scope_claims(u, {"profile"})),
            R"({"sub":"u-123","name":"Ada Lovelace","family_name":"Lovelace","middle_name":"Augusta",)"
            R"("nickname":"Countess","preferred_username":"ada","locale":"en-GB","updated_at":1700000000})");
}

TEST(IdToken, CarriesTheRequiredAndRequestBoundClaims) {
  auto u = ada();
  IdTokenInput in;
  in.issuer = "https://id.example.com";
  in.client_id = "web";
  in.user = &u;
  in.scopes = {"openid", "email"};
  in.nonce = "n-0S6_WzA2Mj";
  in.sid = "sid-1";
  in.auth_time = 1000;
  in.amr = {"pwd"};
  in.issued_at = 1010;
  in.lifetime = 300;
  in.access_token = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y";
  auto c = id_token_claims(in);
  EXPECT_EQ(c.at("iss").as_string(), "https://id.example.com");
  EXPECT_EQ(c.at("sub").as_string(), "u-123");
  EXPECT_EQ(c.at("aud").as_string(), "web");
  EXPECT_EQ(c.at("iat").as_int64(), 1010);
  EXPECT_EQ(c.at("exp").as_int64(), 1310);
  EXPECT_EQ(c.at("auth_time").as_int64(), 1000);
  EXPECT_EQ(c.at("nonce").as_string(), "n-0S6_WzA2Mj");
  EXPECT_EQ(c.at("sid").as_string(), "sid-1");
  EXPECT_EQ(c.at("amr").as_array().at(0).as_string(), "pwd");
  EXPECT_EQ(c.at("at_hash").as_string(), "77QmUPtjPfzWtF2AnpK9RQ");
  EXPECT_EQ(c.at("email").as_string(), "ada@example.com");
  EXPECT_FALSE(c.contains("acr"));
  in.nonce.clear();
  in.access_token.reset();
  auto bare = id_token_claims(in);
  EXPECT_FALSE(bare.contains("nonce"));
  EXPECT_FALSE(bare.contains("at_hash"));
}

}  // namespace
}  // namespace gatehouse::oidc
