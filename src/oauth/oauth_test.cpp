// The OAuth endpoints against a real (in-memory SQLite) store, a fixed clock and real keys.

#include <set>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "limits/rate_limiter.hpp"
#include "oauth/form.hpp"
#include "oauth/testing/oauth_fixture.hpp"

namespace gatehouse::oauth {
namespace {

namespace json = boost::json;
using testing::kSecret;
using testing::OAuthTest;

TEST_F(OAuthTest, ClientCredentialsIssuesAnRfc9068AccessToken) {
  auto r = token_endpoint(deps_, post("grant_type=client_credentials", "svc", kSecret));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(*r.header("Cache-Control"), "no-store");
  auto body = body_of(r);
  EXPECT_EQ(body.at("token_type").as_string(), "Bearer");
  EXPECT_EQ(body.at("expires_in").as_int64(), 600);
  EXPECT_EQ(body.at("scope").as_string(), "api:read api:write");
  auto claims = codec_.decode(body.at("access_token").as_string());
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->iss, "https://id.example.com");
  EXPECT_EQ(claims->sub, "svc");
  EXPECT_EQ(claims->client_id, "svc");
  EXPECT_EQ(claims->aud, std::vector<std::string>{"svc"});
  EXPECT_EQ(claims->exp - claims->iat, 600);
  EXPECT_EQ(claims->iat, clock_.now());
  EXPECT_FALSE(claims->jti.empty());
  // The header names the client's algorithm and the typ of RFC 9068 §2.1.
  auto header = *base64url_decode(std::string_view(body.at("access_token").as_string()).substr(0, body.at("access_token").as_string().find('.')));
  EXPECT_NE(header.find("\"alg\":\"ES256\""), std::string::npos);
  EXPECT_NE(header.find("\"typ\":\"at+jwt\""), std::string::npos);
}

TEST_F(OAuthTest, ScopeIsNarrowedOrRefused) {
  EXPECT_EQ(codec_.decode(issue("api:read"))->scope, "api:read");
  auto r = token_endpoint(deps_, post("grant_type=client_credentials&scope=api:admin", "svc", kSecret));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r), "invalid_scope");
}

TEST_F(OAuthTest, ClientSecretPostWorksOnlyForClientsRegisteredForIt) {
  auto r = token_endpoint(deps_, post("grant_type=client_credentials&client_id=poster&client_secret=" + form_escape(kSecret)));
  EXPECT_EQ(r.status, 200) << r.body;
  r = token_endpoint(deps_, post("grant_type=client_credentials&client_id=svc&client_secret=" + form_escape(kSecret)));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(error_of(r), "invalid_client");
}

TEST_F(OAuthTest, ErrorsFollowRfc6749Section5_2) {
  struct Case {
    http::Request request;
    int status;
    std::string error;
  };
  std::vector<Case> cases{
      {post("scope=api:read", "svc", kSecret), 400, "invalid_request"},
      {post("grant_type=password", "svc", kSecret), 400, "unsupported_grant_type"},
      {post("grant_type=client_credentials", "svc", "wrong-secret-000000"), 401, "invalid_client"},
      {post("grant_type=client_credentials", "nobody", kSecret), 401, "invalid_client"},
      {post("grant_type=client_credentials"), 401, "invalid_client"},
      {post("grant_type=client_credentials&client_secret=x", "svc", kSecret), 400, "invalid_request"},
      {post("grant_type=client_credentials&grant_type=client_credentials", "svc", kSecret), 400, "invalid_request"},
      {post("grant_type=client_credentials&x=%zz", "svc", kSecret), 400, "invalid_request"},
      {post("grant_type=client_credentials", "webapp", kSecret), 400, "unauthorized_client"},
  };
  auto json_body = post("grant_type=client_credentials", "svc", kSecret);
  json_body.headers[0].value = "application/json";
  cases.push_back({json_body, 400, "invalid_request"});
  for (const auto& c : cases) {
    auto r = token_endpoint(deps_, c.request);
    EXPECT_EQ(r.status, c.status) << c.request.body << " -> " << r.body;
    EXPECT_EQ(error_of(r), c.error) << c.request.body;
    if (c.status == 401) {
      ASSERT_NE(r.header("WWW-Authenticate"), nullptr);
      EXPECT_EQ(r.header("WWW-Authenticate")->rfind("Basic ", 0), 0u);
    }
  }
}

TEST_F(OAuthTest, IntrospectionReportsActiveUntilRevokedOrExpired) {
  auto token = issue();
  auto r = introspection_endpoint(deps_, post("token=" + token, "svc", kSecret));
  ASSERT_EQ(r.status, 200);
  auto body = body_of(r);
  EXPECT_TRUE(body.at("active").as_bool());
  EXPECT_EQ(body.at("client_id").as_string(), "svc");
  EXPECT_EQ(body.at("scope").as_string(), "api:read api:write");

  EXPECT_FALSE(body_of(introspection_endpoint(deps_, post("token=garbage", "svc", kSecret))).at("active").as_bool());
  EXPECT_EQ(introspection_endpoint(deps_, post("token_type_hint=access_token", "svc", kSecret)).status, 400);
  EXPECT_EQ(introspection_endpoint(deps_, post("token=" + token)).status, 401);

  clock_.advance(601);
  EXPECT_FALSE(body_of(introspection_endpoint(deps_, post("token=" + token, "svc", kSecret))).at("active").as_bool());
}

TEST_F(OAuthTest, RevocationMakesTheTokenInactiveAndOnlyItsClientMayRevoke) {
  auto token = issue();
  auto other = revocation_endpoint(deps_, post("token=" + token + "&client_id=poster&client_secret=" + form_escape(kSecret)));
  EXPECT_EQ(other.status, 400);
  EXPECT_EQ(error_of(other), "unauthorized_client");
  EXPECT_TRUE(body_of(introspection_endpoint(deps_, post("token=" + token, "svc", kSecret))).at("active").as_bool());

  auto r = revocation_endpoint(deps_, post("token=" + token, "svc", kSecret));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  EXPECT_FALSE(body_of(introspection_endpoint(deps_, post("token=" + token, "svc", kSecret))).at("active").as_bool());
  EXPECT_EQ(revocation_endpoint(deps_, post("token=" + token, "svc", kSecret)).status, 200);
  EXPECT_EQ(revocation_endpoint(deps_, post("token=not-a-token", "svc", kSecret)).status, 200);
}

TEST_F(OAuthTest, ATokenSignedByAnotherKeyWithOurKidIsNotOurs) {
  auto token = issue();
  auto header_end = token.find('.');
  auto payload_end = token.rfind('.');
  auto impostor = jose::KeyPair::generate(jose::Algorithm::kES256);
  auto signing_input = token.substr(0, payload_end);
  auto forged = signing_input + "." + base64url_encode(impostor.sign(signing_input));
  (void)header_end;
  EXPECT_FALSE(codec_.decode(forged));
  EXPECT_TRUE(codec_.decode(token));
}

TEST_F(OAuthTest, TheFastPathAnswersOnlyForCachedEs256Clients) {
  client::CachingClientStore cache(backend_.clients(), std::chrono::seconds(30));
  OAuthDeps deps{cache, hasher_, codec_, backend_.revocations(), clock_, std::chrono::seconds(600), &cache};
  auto es = post("grant_type=client_credentials", "svc", kSecret);
  EXPECT_FALSE(token_endpoint_fast_path(deps, es).answer) << "answered before the client was cached";
  EXPECT_EQ(token_endpoint(deps, es).status, 200);  // the worker path fills the near-cache
  auto fast = token_endpoint_fast_path(deps, es).answer;
  ASSERT_TRUE(fast);
  EXPECT_EQ(fast->status, 200);
  EXPECT_TRUE(codec_.decode(body_of(*fast).at("access_token").as_string()));

  auto wrong = token_endpoint_fast_path(deps, post("grant_type=client_credentials", "svc", "wrong-secret-000000")).answer;
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  auto narrow = token_endpoint_fast_path(deps, post("grant_type=client_credentials&scope=api:admin", "svc", kSecret)).answer;
  ASSERT_TRUE(narrow);
  EXPECT_EQ(error_of(*narrow), "invalid_scope");

  // RS256 signatures are left to the workers, even for a cached client.
  auto rs = post("grant_type=client_credentials&client_id=poster&client_secret=" + form_escape(kSecret));
  EXPECT_EQ(token_endpoint(deps, rs).status, 200);
  EXPECT_FALSE(token_endpoint_fast_path(deps, rs).answer);

  // A change through the cache is seen at once: the secret rotated, the old one fails.
  auto changed = *backend_.clients().find("svc");
  changed.secret_hash = hasher_.hash("a-brand-new-secret-1");
  ASSERT_EQ(cache.update(changed), client::UpdateResult::kOk);
  EXPECT_FALSE(token_endpoint_fast_path(deps, es).answer);
  EXPECT_EQ(token_endpoint(deps, es).status, 401);
}

TEST_F(OAuthTest, WrongSecretsSpendTheAddressesBudgetNeverTheNamedClients) {
  limits::RateLimiter limiter(backend_.rate_counters(), clock_);
  const limits::Rule per_client{"token-client", 2, 60};
  const limits::Rule failures{"client-auth-fail-ip", 3, 60};
  deps_.limits.per_client = [&](std::string_view id) { return limiter.over_limit(per_client, id); };
  deps_.limits.failures_exhausted = [&](std::string_view a) { return limiter.exhausted(failures, a); };
  deps_.limits.failed = [&](std::string_view a) { limiter.record(failures, a); };
  auto from = [](http::Request r, std::string address) {
    r.client_address = std::move(address);
    return r;
  };
  const auto wrong = post("grant_type=client_credentials", "svc", "not-the-secret-0000");
  // An attacker naming svc from one address: 401 three times, then 429 before the secret is checked.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(token_endpoint(deps_, from(wrong, "203.0.113.66")).status, 401) << i;
  auto limited = token_endpoint(deps_, from(wrong, "203.0.113.66"));
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(*limited.header("Retry-After"), "60");
  EXPECT_EQ(token_endpoint(deps_, from(post("grant_type=client_credentials", "svc", kSecret), "203.0.113.66")).status, 429)
      << "the right secret from an exhausted address is not even checked";
  // ...which left svc's own budget untouched: svc gets its two requests from its own address.
  const auto right = from(post("grant_type=client_credentials", "svc", kSecret), "198.51.100.1");
  EXPECT_EQ(token_endpoint(deps_, right).status, 200);
  EXPECT_EQ(token_endpoint(deps_, right).status, 200);
  EXPECT_EQ(token_endpoint(deps_, right).status, 429) << "its own requests do count";
  // Introspection and revocation count failures against the address too.
  auto introspect = from(post("token=x", "poster", "wrong"), "192.0.2.5");
  introspect.path = "/oauth2/introspect";
  for (int i = 0; i < 3; ++i) EXPECT_EQ(introspection_endpoint(deps_, introspect).status, 401) << i;
  EXPECT_EQ(revocation_endpoint(deps_, introspect).status, 429);
}

TEST_F(OAuthTest, AClientIdThatIsNotUtf8IsAnAuthenticationFailureNeverAStoreError) {
  limits::RateLimiter limiter(backend_.rate_counters(), clock_);
  deps_.limits.per_client = [&](std::string_view id) { return limiter.over_limit({"token-client", 5, 60}, id); };
  for (std::string id : {std::string("\xff\xfe"), std::string("caf\xc3"), std::string("a\0b", 3), std::string("\xc0\xaf")}) {
    const auto basic = token_endpoint(deps_, post("grant_type=client_credentials", id, kSecret));
    EXPECT_EQ(basic.status, 401) << basic.body;
    EXPECT_EQ(error_of(basic), "invalid_client");
    const auto body = token_endpoint(deps_, post("grant_type=client_credentials&client_secret=x&client_id=" + form_escape(id)));
    EXPECT_EQ(body.status, 401) << body.body;
    EXPECT_EQ(introspection_endpoint(deps_, post("token=x&client_id=" + form_escape(id))).status, 401);
  }
  EXPECT_EQ(token_endpoint(deps_, post("grant_type=client_credentials", "caf\xc3\xa9", kSecret)).status, 401)
      << "UTF-8 text is an ordinary (here unknown) client_id";
}

TEST(Form, EmptyValuesCountAsAbsentAndPlusIsASpace) {
  http::Request r;
  r.headers.push_back({"content-type", "application/x-www-form-urlencoded; charset=UTF-8"});
  r.body = "a=&b=x+y&c=%2B";
  auto form = parse_form(r);
  ASSERT_TRUE(form);
  EXPECT_EQ(form->get("a"), nullptr);
  EXPECT_EQ(*form->get("b"), "x y");
  EXPECT_EQ(*form->get("c"), "+");
}

}  // namespace
}  // namespace gatehouse::oauth

TEST(OAuthErrorTest, EveryCodeHasItsOwnWireNameAndTheStatusTheRfcsPrescribe) {
  using gatehouse::oauth::OAuthErrorCode;
  std::set<std::string_view> names;
  const auto last = static_cast<int>(OAuthErrorCode::kAccountSelectionRequired);
  for (int i = 0; i <= last; ++i) {
    const auto code = static_cast<OAuthErrorCode>(i);
    EXPECT_TRUE(names.insert(gatehouse::oauth::wire_code(code)).second) << gatehouse::oauth::wire_code(code);
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(last + 1));
  EXPECT_EQ(gatehouse::oauth::http_status(OAuthErrorCode::kInvalidClient), 401);
  EXPECT_EQ(gatehouse::oauth::http_status(OAuthErrorCode::kTemporarilyUnavailable), 503);
  EXPECT_EQ(gatehouse::oauth::http_status(OAuthErrorCode::kLoginRequired), 400);
  EXPECT_FALSE(gatehouse::oauth::local_oauth_error(OAuthErrorCode::kInvalidRequest, "x").may_redirect);
}
