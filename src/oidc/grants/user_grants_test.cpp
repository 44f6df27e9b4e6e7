// authorization_code and refresh_token at the token endpoint, against a real (in-memory SQLite)
// store, a fixed clock and real keys. The codes are written to the store as the authorization
// endpoint will write them.

#include "oidc/grants/user_grants.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "client/registration.hpp"
#include "core/base64url.hpp"
#include "jose/openssl/crypto.hpp"
#include "oauth/token/token_endpoint.hpp"
#include "oidc/id_token.hpp"
#include "oidc/userinfo.hpp"
#include "oauth/testing/oauth_fixture.hpp"
#include "storage/sqlite/sqlite_backend.hpp"

namespace gatehouse::oidc {
namespace {

namespace json = boost::json;

constexpr const char* kSecret = "web-secret-0123456789";
// RFC 7636 Appendix B.
constexpr const char* kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr const char* kChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
constexpr const char* kRedirect = "https://app.example.com/cb";

/// The OAuth fixture's store, clock and keys, with the user grants added and two clients of them.
class UserGrantsTest : public oauth::testing::OAuthTest {
 protected:
  UserGrantsTest()
      : grants_{backend_.codes(), backend_.refresh_tokens(), backend_.users(), KeyBytes(jose::random_bytes(32)), 86400, 10, 300} {
    add_user_grants(oauth_.grants, grants_);
    for (const char* id : {"web", "other"}) {
      client::ClientDraft d;
      d.client.client_id = id;
      d.client.token_endpoint_auth_method = "client_secret_basic";
      d.client.grant_types = {"authorization_code", "refresh_token"};
      d.client.scopes = {"api:read"};
      d.client.redirect_uris = {kRedirect};
      d.client.access_token_signed_response_alg = "ES256";
      d.secret = kSecret;
      EXPECT_TRUE(backend_.clients().insert(client::prepare_new_client(std::move(d), hasher_, clock_.now()).client));
    }
    user::User u;
    u.id = "user-1";
    u.username = "ada";
    u.email = "ada@example.com";
    u.name = "Ada Lovelace";
    EXPECT_EQ(backend_.users().insert(u), user::UserWriteResult::kOk);
  }

  /// Stores a code as the authorization endpoint does. @returns the code value.
  std::string make_code(const std::string& client_id = "web", std::string challenge = kChallenge,
                        std::string redirect_uri = kRedirect, UnixSeconds signed_in_ago = 5) {
    auto value = jose::random_token(32);
    token::AuthorizationCode c;
    c.code_hash = jose::sha256(value);
    c.grant_id = jose::random_token(16);
    c.client_id = client_id;
    c.redirect_uri = std::move(redirect_uri);  // "" = the request had none
    c.user_id = "user-1";
    c.scope = "openid profile offline_access";
    c.nonce = "n-0S6_WzA2Mj";
    c.code_challenge = std::move(challenge);
    c.code_challenge_method = "S256";
    c.sign_in = {"sid-1", clock_.now() - signed_in_ago, "pwd"};
    c.created_at = clock_.now();
    c.expires_at = clock_.now() + 60;
    backend_.codes().insert(c);
    return value;
  }

  static std::string enc(std::string_view s) {
    std::string out;
    for (char c : s) {
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '~') out += c;
      else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
        out += buf;
      }
    }
    return out;
  }

  http::Response token(const std::string& body, const std::string& client = "web") {
    http::Request r;
    r.method = "POST";
    r.body = body;
    r.headers.push_back({"content-type", "application/x-www-form-urlencoded"});
    r.headers.push_back({"authorization", "Basic " + base64_encode(client + ":" + kSecret)});
    return oauth::token_endpoint(oauth_, r);
  }

  http::Response redeem(const std::string& code, const std::string& verifier = kVerifier, const std::string& client = "web") {
    return token("grant_type=authorization_code&code=" + code + "&redirect_uri=" + enc(kRedirect) +
                     (verifier.empty() ? "" : "&code_verifier=" + verifier),
                 client);
  }

  http::Response refresh(const std::string& rt, const std::string& client = "web") {
    return token("grant_type=refresh_token&refresh_token=" + rt, client);
  }

  static json::object body(const http::Response& r) { return json::parse(r.body).as_object(); }
  static std::string error(const http::Response& r) { return std::string(body(r).at("error").as_string()); }
  static json::object header(std::string_view jwt) {
    return json::parse(*base64url_decode(jwt.substr(0, jwt.find('.')))).as_object();
  }
  static json::object payload(std::string_view jwt) {
    auto first = jwt.find('.');
    auto second = jwt.find('.', first + 1);
    return json::parse(*base64url_decode(jwt.substr(first + 1, second - first - 1))).as_object();
  }
  bool active(const std::string& access_token) {
    auto claims = codec_.decode(access_token);
    return claims && !backend_.revocations().is_revoked(claims->jti);
  }

  oauth::OAuthDeps& oauth_ = deps_;
  UserGrantDeps grants_;
};

TEST_F(UserGrantsTest, ACodeWithTheRightVerifierYieldsAccessIdAndRefreshTokens) {
  auto r = redeem(make_code());
  ASSERT_EQ(r.status, 200) << r.body;
  auto b = body(r);
  auto access = std::string(b.at("access_token").as_string());
  auto claims = codec_.decode(access);
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->sub, "user-1");
  EXPECT_EQ(claims->client_id, "web");
  EXPECT_EQ(claims->scope, "openid profile offline_access");
  auto id = payload(b.at("id_token").as_string());
  EXPECT_EQ(id.at("iss").as_string(), "https://id.example.com");
  EXPECT_EQ(id.at("aud").as_string(), "web");
  EXPECT_EQ(id.at("sub").as_string(), "user-1");
  EXPECT_EQ(id.at("nonce").as_string(), "n-0S6_WzA2Mj");
  EXPECT_EQ(id.at("sid").as_string(), "sid-1");
  EXPECT_EQ(id.at("name").as_string(), "Ada Lovelace");
  EXPECT_EQ(id.at("at_hash").as_string(), left_half_hash(access));
  EXPECT_TRUE(b.contains("refresh_token"));
  EXPECT_EQ(*r.header("Cache-Control"), "no-store");
}

TEST_F(UserGrantsTest, ASecondRedemptionFailsAndRevokesWhatTheFirstIssued) {
  auto code = make_code();
  auto first = body(redeem(code));
  auto access = std::string(first.at("access_token").as_string());
  ASSERT_TRUE(active(access));
  auto again = redeem(code);
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(error(again), "invalid_grant");
  EXPECT_FALSE(active(access)) << "the access token of the first redemption is revoked";
  auto rt = refresh(std::string(first.at("refresh_token").as_string()));
  EXPECT_EQ(error(rt), "invalid_grant") << "and so is its refresh token";
}

TEST_F(UserGrantsTest, EachBrokenBindingIsInvalidGrant) {
  EXPECT_EQ(error(redeem(make_code(), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj")), "invalid_grant") << "wrong verifier";
  EXPECT_EQ(error(redeem(make_code(), "")), "invalid_grant") << "missing verifier";
  EXPECT_EQ(error(redeem(make_code("other"))), "invalid_grant") << "code of another client";
  EXPECT_EQ(error(redeem("not-a-code")), "invalid_grant");
  auto wrong_redirect = token("grant_type=authorization_code&code=" + make_code() + "&redirect_uri=" +
                              enc("https://app.example.com/other") + "&code_verifier=" + kVerifier);
  EXPECT_EQ(error(wrong_redirect), "invalid_grant");
  auto code = make_code();
  clock_.advance(61);
  EXPECT_EQ(error(redeem(code)), "invalid_grant") << "expired";
  EXPECT_EQ(error(token("grant_type=authorization_code&redirect_uri=x")), "invalid_request") << "no code";
}

TEST_F(UserGrantsTest, RefreshRotatesAndAReuseInsideTheGraceWindowGetsTheSameAnswer) {
  auto first = body(redeem(make_code()));
  auto rt1 = std::string(first.at("refresh_token").as_string());
  clock_.advance(100);
  auto r2 = refresh(rt1);
  ASSERT_EQ(r2.status, 200) << r2.body;
  auto b2 = body(r2);
  auto rt2 = std::string(b2.at("refresh_token").as_string());
  EXPECT_NE(rt2, rt1);
  EXPECT_FALSE(payload(b2.at("id_token").as_string()).contains("nonce")) << "no nonce on refresh";
  clock_.advance(5);
  auto again = refresh(rt1);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.body, r2.body) << "the same token pair, so two tabs do not sign the user out";
  EXPECT_EQ(error(refresh(rt2, "other")), "invalid_grant") << "another client cannot use it";
  EXPECT_EQ(refresh(rt2).status, 200);
}

// The code, its refresh token and each successor carry one token::SignInFacts: every ID token of
// the grant reports the sign-in behind the code (sid, auth_time, amr), not the time of the refresh.
TEST_F(UserGrantsTest, EveryIdTokenOfAGrantReportsTheSignInBehindItsCode) {
  const auto signed_in_at = clock_.now() - 5;
  auto b = body(redeem(make_code()));
  for (int i = 0; i < 3; ++i) {
    auto id = payload(b.at("id_token").as_string());
    EXPECT_EQ(id.at("sid").as_string(), "sid-1") << "token " << i;
    EXPECT_EQ(id.at("auth_time").as_int64(), signed_in_at) << "token " << i;
    ASSERT_TRUE(id.at("amr").is_array()) << "token " << i;
    EXPECT_EQ(id.at("amr").as_array(), json::array{"pwd"}) << "token " << i;
    clock_.advance(30);
    auto r = refresh(std::string(b.at("refresh_token").as_string()));
    ASSERT_EQ(r.status, 200) << "rotation " << i << ": " << r.body;
    b = body(r);
  }
}

TEST_F(UserGrantsTest, AReuseAfterTheGraceWindowRevokesTheWholeFamily) {
  auto first = body(redeem(make_code()));
  auto rt1 = std::string(first.at("refresh_token").as_string());
  auto b2 = body(refresh(rt1));
  auto rt2 = std::string(b2.at("refresh_token").as_string());
  auto access2 = std::string(b2.at("access_token").as_string());
  clock_.advance(11);
  auto replay = refresh(rt1);
  EXPECT_EQ(replay.status, 400);
  EXPECT_EQ(error(replay), "invalid_grant");
  EXPECT_EQ(error(refresh(rt2)), "invalid_grant") << "the family is revoked";
  EXPECT_FALSE(active(access2));
}

TEST_F(UserGrantsTest, ARefreshFamilyEndsAtItsMaximumLifetimeHoweverOftenItRotates) {
  grants_.refresh_token_max_lifetime = 100;  // the sign-in was 5 s before the code
  auto rt = std::string(body(redeem(make_code())).at("refresh_token").as_string());
  for (int i = 0; i < 4; ++i) {
    clock_.advance(20);  // 20..80 s after the code: well inside refresh_token_ttl (1 day)
    auto r = refresh(rt);
    ASSERT_EQ(r.status, 200) << "rotation " << i << ": " << r.body;
    rt = std::string(body(r).at("refresh_token").as_string());
  }
  clock_.advance(16);  // 96 s: past auth_time + 100 although the newest token is 16 s old
  auto late = refresh(rt);
  EXPECT_EQ(late.status, 400);
  EXPECT_EQ(error(late), "invalid_grant");
  EXPECT_NE(body(late).at("error_description").as_string().find("expired"), std::string::npos) << late.body;
}

TEST_F(UserGrantsTest, IdTokensAreSignedWithTheClientsRegisteredAlgorithm) {
  auto rs = body(redeem(make_code()));
  EXPECT_EQ(header(rs.at("id_token").as_string()).at("alg").as_string(), "RS256") << "the default";
  EXPECT_EQ(header(rs.at("access_token").as_string()).at("alg").as_string(), "ES256");
  auto other = *backend_.clients().find("other");
  other.id_token_signed_response_alg = "ES256";
  ASSERT_EQ(backend_.clients().update(other), client::UpdateResult::kOk);
  auto es = body(redeem(make_code("other"), kVerifier, "other"));
  EXPECT_EQ(header(es.at("id_token").as_string()).at("alg").as_string(), "ES256");
  auto refreshed = body(refresh(std::string(es.at("refresh_token").as_string()), "other"));
  EXPECT_EQ(header(refreshed.at("id_token").as_string()).at("alg").as_string(), "ES256") << "on refresh too";
}

TEST_F(UserGrantsTest, ACodeFromARequestWithoutRedirectUriIsNotBoundToOne) {
  // RFC 6749 §4.1.3: redirect_uri is required only if the authorization request had one.
  auto without = token("grant_type=authorization_code&code=" + make_code("web", kChallenge, "") + "&code_verifier=" + kVerifier);
  EXPECT_EQ(without.status, 200) << without.body;
  auto registered = redeem(make_code("web", kChallenge, ""));
  EXPECT_EQ(registered.status, 200) << "the registered URI may still be sent: " << registered.body;
  auto other = token("grant_type=authorization_code&code=" + make_code("web", kChallenge, "") +
                     "&redirect_uri=" + enc("https://evil.example.com/cb") + "&code_verifier=" + kVerifier);
  EXPECT_EQ(error(other), "invalid_grant") << "an unregistered one may not";
  auto bound = token("grant_type=authorization_code&code=" + make_code() + "&code_verifier=" + kVerifier);
  EXPECT_EQ(error(bound), "invalid_grant") << "a request that had one must repeat it";
}

TEST_F(UserGrantsTest, UserinfoAnswersTheClaimsOfTheTokensScopes) {
  UserinfoDeps deps{codec_, backend_.revocations(), backend_.users(), clock_};
  auto access = std::string(body(redeem(make_code())).at("access_token").as_string());
  http::Request get;
  get.method = "GET";
  get.headers.push_back({"authorization", "Bearer " + access});
  auto r = userinfo_endpoint(deps, get);
  ASSERT_EQ(r.status, 200) << r.body;
  auto claims = body(r);
  EXPECT_EQ(claims.at("sub").as_string(), "user-1");
  EXPECT_EQ(claims.at("name").as_string(), "Ada Lovelace");  // profile was granted
  EXPECT_FALSE(claims.contains("email"));                     // email was not

  http::Request post;
  post.method = "POST";
  post.headers.push_back({"content-type", "application/x-www-form-urlencoded"});
  post.body = "access_token=" + access;
  EXPECT_EQ(userinfo_endpoint(deps, post).status, 200);

  http::Request none;
  none.method = "GET";
  auto missing = userinfo_endpoint(deps, none);
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(*missing.header("WWW-Authenticate"), "Bearer realm=\"gatehouse\"");

  backend_.revocations().revoke(codec_.decode(access)->jti, clock_.now() + 600);
  auto revoked = userinfo_endpoint(deps, get);
  EXPECT_EQ(revoked.status, 401);
  EXPECT_NE(revoked.header("WWW-Authenticate")->find("error=\"invalid_token\""), std::string::npos);
}

/// A revocation list that cannot be read, as while PostgreSQL is down.
class DownRevocationStore final : public token::RevocationStore {
 public:
  void revoke(const std::string&, UnixSeconds) override { throw StorageError("connection refused"); }
  bool is_revoked(const std::string&) override { throw StorageError("connection refused"); }
  std::size_t purge_expired(UnixSeconds, std::size_t) override { throw StorageError("connection refused"); }
};

TEST_F(UserGrantsTest, AStoreFaultAtUserinfoIsAnsweredInTheOAuthErrorShape) {
  DownRevocationStore down;
  int counted = 0;
  UserinfoDeps deps{codec_, down, backend_.users(), clock_, [&counted] { ++counted; }};
  http::Router router;
  add_userinfo_routes(router, deps);
  http::Request get;
  get.method = "GET";
  get.path = std::string(kUserinfoPath);
  get.headers.push_back({"authorization", "Bearer " + std::string(body(redeem(make_code())).at("access_token").as_string())});
  auto r = router.dispatch(get);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(error(r), "temporarily_unavailable");
  EXPECT_EQ(body(r).at("error_description").as_string(), "the store is unavailable; retry later");
  EXPECT_FALSE(body(r).contains("message")) << "the admin API's shape";
  ASSERT_NE(r.header("Retry-After"), nullptr);
  EXPECT_EQ(*r.header("Retry-After"), "1");
  EXPECT_EQ(counted, 1);
}

TEST_F(UserGrantsTest, ADeactivatedUserGetsNoMoreTokens) {
  auto first = body(redeem(make_code()));
  auto u = *backend_.users().find("user-1");
  u.active = false;
  ASSERT_EQ(backend_.users().update(u), user::UserWriteResult::kOk);
  EXPECT_EQ(error(refresh(std::string(first.at("refresh_token").as_string()))), "invalid_grant");
  EXPECT_EQ(error(redeem(make_code())), "invalid_grant");
}

TEST_F(UserGrantsTest, ACodeWhoseGrantWasRevokedInTheSecondItWasIssuedIsInvalidGrant) {
  // A sign-out everywhere in the same second as the sign-in: the cut-off (tokens_valid_after, in
  // seconds) does not catch the code, the revocation of its grant must.
  auto code = make_code("web", kChallenge, kRedirect, 0);
  ASSERT_TRUE(backend_.users().revoke_tokens_before("user-1", clock_.now()));
  backend_.refresh_tokens().revoke_user_grants("user-1", clock_.now());
  auto r = redeem(code);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(error(r), "invalid_grant");
  EXPECT_EQ(body(r).count("id_token"), 0u) << "no ID token for a revoked grant";
  EXPECT_EQ(redeem(make_code("web", kChallenge, kRedirect, 0)).status, 200)
      << "a sign-in after the sign-out, in the same second, still works";
}

TEST_F(UserGrantsTest, ACodeIssuedAfterASignOutFromASessionAuthenticatedBeforeItIsInvalidGrant) {
  // An authorization request read the SSO session just before the sign-out and stored its code
  // just after (so the code's grant escaped revoke_user_grants): the sign-in time decides.
  ASSERT_TRUE(backend_.users().revoke_tokens_before("user-1", clock_.now()));
  backend_.refresh_tokens().revoke_user_grants("user-1", clock_.now());
  auto r = redeem(make_code("web", kChallenge, kRedirect, 5));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(error(r), "invalid_grant");
}

}  // namespace
}  // namespace gatehouse::oidc
