// The authorization endpoint's steps: each check's errors (code, description, and whether it may
// redirect), the boundary at check_redirect_uri, and the answers (a live session issues a code; no
// session starts a sign-in whose continuation the OIDC front door resumes).

#include <gtest/gtest.h>

#include "mfa/testing/factors_deps.hpp"
#include "client/registration.hpp"
#include "jose/openssl/crypto.hpp"
#include "oidc/authorize/authorize_endpoint.hpp"
#include "oidc/authorize/issue_code.hpp"
#include "otp/totp.hpp"
#include "signin/pages.hpp"
#include "storage/sqlite/sqlite_backend.hpp"

namespace gatehouse::oidc {
namespace {

constexpr const char* kChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
constexpr const char* kRedirect = "https://app.example.com/cb";

class AuthorizeStepsTest : public ::testing::Test {
 protected:
  AuthorizeStepsTest()
      : backend_(storage::sqlite::SqliteOptions{":memory:", 2}),
        clock_(1'800'000'000),
        hasher_(user::Argon2Params{256, 1, 1}),
        secrets_(KeyBytes(jose::random_bytes(32))),
        sign_in_deps_{backend_.users(), hasher_, backend_.login_transactions(), backend_.sso_sessions(), clock_},
        sign_in_(sign_in_deps_),
        deps_{backend_.clients(), backend_.codes(), clock_, sign_in_, "https://id.example.com"},
        door_(deps_) {
    backend_.migrate();
    sign_in_deps_.csrf_key = signin::CsrfKey(jose::random_bytes(32));
    sign_in_.add_front_door(door_);
    add_client("web", "client_secret_basic", {"authorization_code"}, {kRedirect});
    add_client("public", "none", {"authorization_code"}, {kRedirect});
    add_client("machine", "client_secret_basic", {"client_credentials"}, {kRedirect});
    add_client("one", "client_secret_basic", {"authorization_code"}, {kRedirect});
    add_client("two", "client_secret_basic", {"authorization_code"}, {kRedirect, "https://app.example.com/cb2"});
    user::User u;
    u.id = "u1";
    u.username = "ada";
    u.password_hash = hasher_.hash(user::Password("pw"));
    EXPECT_EQ(backend_.users().insert(u), user::UserWriteResult::kOk);
  }

  void add_client(const std::string& id, const std::string& auth, std::vector<std::string> grants,
                  std::vector<std::string> redirects) {
    client::ClientDraft d;
    d.client.client_id = id;
    d.client.token_endpoint_auth_method = auth;
    d.client.grant_types = std::move(grants);
    d.client.scopes = {"api:read"};
    d.client.redirect_uris = std::move(redirects);
    if (auth != "none") d.secret = "secret-0123456789abcdef";
    EXPECT_TRUE(backend_.clients().insert(client::prepare_new_client(std::move(d), secrets_, clock_.now()).client));
  }

  http::Response get(const std::string& query, const std::string& cookie = {}) {
    http::Request r;
    r.method = "GET";
    r.query = query;
    if (!cookie.empty()) r.headers.push_back({"cookie", cookie});
    return authorize_endpoint(deps_, r);
  }

  static std::string location(const http::Response& r) {
    const auto* l = r.header("Location");
    return l != nullptr ? *l : std::string();
  }

  /// A live SSO session's cookie for u1.
  std::string signed_in(UnixSeconds auth_ago = 0) {
    const auto value = jose::random_token(32);
    const auto now = clock_.now();
    backend_.sso_sessions().insert({jose::sha256(value), "sid-1", "u1", now - auth_ago, "pwd", now, now, now + 3600});
    return "gh_session=" + value;
  }

  storage::sqlite::SqliteBackend backend_;
  FixedClock clock_;
  user::PasswordHasher hasher_;
  client::SecretHasher secrets_;
  signin::SignInDeps sign_in_deps_;
  signin::SignIn sign_in_;
  AuthorizeDeps deps_;
  OidcFrontDoor door_;
};

const std::string kGood = std::string("client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&response_type=code&scope=openid&state=s1&code_challenge=") + kChallenge + "&code_challenge_method=S256";

struct Case {
  const char* name;
  std::string query;
  bool redirected;           // false: the error page
  std::string error;
  std::string description;
};

TEST_F(AuthorizeStepsTest, EachCheckAnswersWithItsErrorOnTheRightSideOfTheBoundary) {
  const std::vector<Case> cases = {
      {"check_client: none", "response_type=code", false, "invalid_request", "The request has no client_id."},
      {"check_client: long", "client_id=" + std::string(257, 'a'), false, "invalid_request", "client_id is longer than 256 bytes."},
      {"check_client: long redirect_uri", "client_id=nope&redirect_uri=" + std::string(2049, 'a'), false, "invalid_request",
       "redirect_uri is longer than 2048 bytes."},
      {"check_client: unknown", "client_id=nope", false, "invalid_client", "The application is not known."},
      {"check_redirect_uri: openid needs one", "client_id=one&scope=openid", false, "invalid_request",
       "The request has no redirect_uri (OpenID Connect requires one)."},
      {"check_redirect_uri: several registered", "client_id=two&response_type=code", false, "invalid_request",
       "The request has no redirect_uri."},
      {"check_redirect_uri: unregistered", "client_id=web&redirect_uri=https%3A%2F%2Fevil.example%2F", false,
       "invalid_request", "The redirect_uri is not registered for this application."},
      {"check_request_bounds: nonce", kGood + "&nonce=" + std::string(513, 'n'), true, "invalid_request",
       "nonce is longer than 512 bytes"},
      {"check_request_bounds: prompt", kGood + "&prompt=" + std::string(65, 'p'), true, "invalid_request",
       "prompt is longer than 64 bytes"},
      {"check_response_type: grant", "client_id=machine&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&response_type=code",
       true, "unauthorized_client", "this client may not use the authorization code flow"},
      {"check_response_type: token", "client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&response_type=token",
       true, "unsupported_response_type", "only response_type=code is supported"},
      {"check_response_type: fragment", kGood + "&response_mode=fragment", true, "invalid_request",
       "only response_mode=query is supported"},
      {"check_scope: unknown", "client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&response_type=code&scope=admin",
       true, "invalid_scope", "scope 'admin' is not allowed for this client"},
      {"check_scope: malformed", "client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&response_type=code&scope=a%22b",
       true, "invalid_scope", "the scope parameter is malformed"},
      {"check_pkce: plain", "client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&response_type=code&code_challenge=" +
                                std::string(kChallenge) + "&code_challenge_method=plain",
       true, "invalid_request", "code_challenge_method must be S256"},
      {"check_pkce: malformed", "client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&response_type=code&code_challenge=abc&code_challenge_method=S256",
       true, "invalid_request", "code_challenge is malformed"},
      {"check_pkce: method alone", "client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&response_type=code&code_challenge_method=S256",
       true, "invalid_request", "code_challenge_method without code_challenge"},
      {"check_pkce: public client", "client_id=public&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&response_type=code",
       true, "invalid_request", "PKCE (code_challenge with S256) is required for public clients"},
      {"check_prompt: none combined", kGood + "&prompt=none%20login", true, "invalid_request", "prompt=none cannot be combined"},
      {"check_prompt: max_age", kGood + "&max_age=-1", true, "invalid_request", "max_age must be a non-negative integer"},
      {"start_sign_in: prompt=none", kGood + "&prompt=none", true, "login_required", "the user is not signed in"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = get(c.query);
    if (c.redirected) {
      EXPECT_EQ(r.status, 302);
      const auto l = location(r);
      EXPECT_TRUE(l.starts_with(std::string(kRedirect) + "?error=" + c.error + "&")) << l;
      EXPECT_NE(l.find("error_description=" + http::percent_encode(c.description)), std::string::npos) << l;
      EXPECT_NE(l.find("&iss=https%3A%2F%2Fid.example.com"), std::string::npos) << l;
    } else {
      EXPECT_EQ(r.status, 400);
      EXPECT_TRUE(location(r).empty()) << "never redirected before the boundary";
      EXPECT_NE(r.body.find(signin::html_escape(c.description)), std::string::npos) << r.body;
    }
  }
}

TEST_F(AuthorizeStepsTest, RequirePkceAppliesToConfidentialClients) {
  deps_.require_pkce = true;
  auto r = get("client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&response_type=code&state=s1");
  EXPECT_NE(location(r).find("error_description=PKCE%20%28code_challenge%20with%20S256%29%20is%20required&state=s1"),
            std::string::npos)
      << location(r);
}

TEST_F(AuthorizeStepsTest, AnOverLongStateIsNotEchoed) {
  auto r = get("client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=" + std::string(2049, 's'));
  const auto l = location(r);
  EXPECT_TRUE(l.starts_with(std::string(kRedirect) + "?error=invalid_request&error_description=state%20is%20longer")) << l;
  EXPECT_EQ(l.find("&state="), std::string::npos);
}

TEST_F(AuthorizeStepsTest, CheckPromptRecordsMaxAgeAndAcrValuesWithoutActingOnThem) {
  http::Request r;
  AuthorizeContext ctx{deps_, r, *oauth::parse_urlencoded("prompt=login&max_age=60&acr_values=urn%3Amfa")};
  ASSERT_TRUE(check_prompt(ctx));
  EXPECT_TRUE(ctx.prompt_login);
  EXPECT_FALSE(ctx.prompt_none);
  EXPECT_EQ(ctx.request.max_age, 60);
  EXPECT_EQ(ctx.request.acr_values, "urn:mfa");
  AuthorizeContext big{deps_, r, *oauth::parse_urlencoded("acr_values=" + std::string(513, 'a'))};
  ASSERT_TRUE(check_prompt(big)) << "never refused, as before";
  EXPECT_EQ(big.request.acr_values, "");
}

TEST_F(AuthorizeStepsTest, ALiveSessionIssuesACodeAndJoinsTheClientOnce) {
  const auto cookie = signed_in();
  for (int i = 0; i < 2; ++i) {
    auto r = get(kGood, cookie);
    ASSERT_EQ(r.status, 302);
    EXPECT_TRUE(location(r).starts_with(std::string(kRedirect) + "?code=")) << location(r);
    EXPECT_NE(location(r).find("&state=s1&iss="), std::string::npos);
  }
  http::Request req;
  req.headers.push_back({"cookie", cookie});
  auto s = sign_in_.current_session(req);
  ASSERT_TRUE(s);
  ASSERT_EQ(s->participants.size(), 1u);
  EXPECT_EQ(s->participants[0].protocol, "oidc");
  EXPECT_EQ(s->participants[0].service, "web");
}

TEST_F(AuthorizeStepsTest, PromptLoginAndMaxAgeSkipTheSession) {
  const auto cookie = signed_in(120);
  EXPECT_EQ(get(kGood + "&prompt=login", cookie).status, 200) << "the login page";
  EXPECT_EQ(get(kGood + "&max_age=60", cookie).status, 200);
  EXPECT_EQ(get(kGood + "&max_age=600", cookie).status, 302);
}

TEST_F(AuthorizeStepsTest, ASessionWithoutTheSecondFactorAskedForStepsUpToItWithoutThePassword) {
  mfa::Factors factors(mfa::testing::factors_deps(backend_, clock_, {5, 900, 900}));
  sign_in_deps_.factors = &factors;
  factors.import_totp("u1", *otp::seed_from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"));
  const auto cookie = signed_in();
  EXPECT_EQ(get(kGood, cookie).status, 302) << "no acr asked, policy optional: the session answers";
  const std::string mfa = "&acr_values=https%3A%2F%2Frefeds.org%2Fprofile%2Fmfa";
  auto r = get(kGood + mfa, cookie);
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("action=\"/oauth2/login/factor\""), std::string::npos);
  EXPECT_EQ(r.body.find("name=\"password\""), std::string::npos) << "the password is not asked again";
  const auto at = r.body.find("name=\"tx\" value=\"");
  ASSERT_NE(at, std::string::npos);
  auto tx = backend_.login_transactions().find(r.body.substr(at + 17, r.body.find('"', at + 17) - at - 17), clock_.now());
  ASSERT_TRUE(tx);
  EXPECT_EQ(tx->user_id, "u1");
  EXPECT_EQ(tx->amr, "pwd");
  r = get(kGood + mfa + "&prompt=none", cookie);
  ASSERT_EQ(r.status, 302);
  EXPECT_NE(location(r).find("error=interaction_required"), std::string::npos) << location(r);
  EXPECT_EQ(get(kGood + "&prompt=none", cookie).status, 302);
  sign_in_deps_.factors = nullptr;
}

TEST_F(AuthorizeStepsTest, MaxAgeZeroAsksAgainEvenWithinTheSecondTheSessionBegan) {
  const auto cookie = signed_in(0);
  EXPECT_EQ(get(kGood + "&max_age=0", cookie).status, 200) << "the login page";
  EXPECT_EQ(get(kGood + "&max_age=1", cookie).status, 302);
}

TEST_F(AuthorizeStepsTest, WithoutASessionTheRequestWaitsAsAnOidcContinuationAndResumesToACode) {
  auto r = get(kGood + "&nonce=n1&login_hint=ada&acr_values=urn%3Apwd&prompt=login");
  ASSERT_EQ(r.status, 200);
  const auto at = r.body.find("name=\"tx\" value=\"");
  ASSERT_NE(at, std::string::npos);
  const auto id = r.body.substr(at + 17, r.body.find('"', at + 17) - at - 17);
  auto tx = backend_.login_transactions().find(id, clock_.now());
  ASSERT_TRUE(tx);
  EXPECT_EQ(tx->continuation.kind, "oidc");
  EXPECT_EQ(tx->service, "web");
  EXPECT_EQ(tx->login_hint, "ada");
  EXPECT_TRUE(tx->fresh);
  EXPECT_EQ(tx->requested_acr, "urn:pwd");
  auto request = decode_request(tx->continuation.payload);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->client_id, "web");
  EXPECT_EQ(request->redirect_uri, kRedirect);
  EXPECT_EQ(request->scope, "openid");
  EXPECT_EQ(request->nonce, "n1");
  EXPECT_EQ(request->code_challenge, kChallenge);
  session::SsoSession s{"h", "sid-9", "u1", clock_.now(), "pwd", clock_.now(), clock_.now(), clock_.now() + 60};
  auto resumed = door_.resume(*tx, s, http::Request{});
  ASSERT_EQ(resumed.status, 302);
  EXPECT_TRUE(location(resumed).starts_with(std::string(kRedirect) + "?code=")) << location(resumed);
  EXPECT_NE(location(resumed).find("&state=s1&iss="), std::string::npos);
}

TEST(AuthorizationRequestCodec, RoundTripsAnyBytesAndRefusesMalformedPayloads) {
  AuthorizationRequest r{"web", "https://a.example/cb?x=1&y=2", "code", "query", "openid profile",
                         std::string("s\0&=%\xff\n", 7), "n", "c", "S256", "login", "ada", 0, "urn:a urn:b"};
  auto back = decode_request(encode_request(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->client_id, r.client_id);
  EXPECT_EQ(back->redirect_uri, r.redirect_uri);
  EXPECT_EQ(back->scope, r.scope);
  EXPECT_EQ(back->state, r.state);
  EXPECT_EQ(back->prompt, r.prompt);
  EXPECT_EQ(back->max_age, 0);
  EXPECT_EQ(back->acr_values, r.acr_values);
  EXPECT_FALSE(decode_request("state=%4"));
  EXPECT_FALSE(decode_request("state"));
  EXPECT_FALSE(decode_request("max_age=x"));
  EXPECT_FALSE(decode_request("max_age=1")->max_age != 1);
  EXPECT_FALSE(decode_request("").value().max_age);
}

}  // namespace
}  // namespace gatehouse::oidc

namespace gatehouse::oidc {
namespace {

/// A store that is down: every call throws StorageError.
class DownClients final : public client::ClientStore {
 public:
  std::optional<client::Client> find(const std::string&) override { throw StorageError("connection refused"); }
  client::ClientPage list(std::size_t, std::size_t) override { throw StorageError("connection refused"); }
  bool insert(const client::Client&) override { throw StorageError("connection refused"); }
  client::UpdateResult update(const client::Client&) override { throw StorageError("connection refused"); }
  bool remove(const std::string&) override { throw StorageError("connection refused"); }
};
class DownTransactions final : public signin::TransactionStore {
 public:
  void insert(const signin::SignInTransaction&) override { throw StorageError("connection refused"); }
  std::optional<signin::SignInTransaction> find(const std::string&, UnixSeconds) override { throw StorageError("down"); }
  bool record_step(const signin::SignInTransaction&, std::string_view, UnixSeconds) override { throw StorageError("down"); }
  bool consume(const std::string&) override { throw StorageError("down"); }
  std::size_t purge_expired(UnixSeconds, std::size_t) override { throw StorageError("down"); }
};

TEST_F(AuthorizeStepsTest, AStoreFaultIsTemporarilyUnavailableOnThePageBeforeTheBoundaryAndAtTheClientAfterIt) {
  int counted = 0;
  const std::string query = std::string("client_id=web&response_type=code&scope=openid&state=s1&redirect_uri=") +
                            http::percent_encode(kRedirect) + "&code_challenge=" + kChallenge + "&code_challenge_method=S256";
  // The client cannot be read: nothing is verified, so the user sees a 503 page (never the store's text).
  DownClients down_clients;
  AuthorizeDeps before{down_clients, backend_.codes(), clock_, sign_in_, "https://id.example.com"};
  before.count_store_fault = [&] { ++counted; };
  http::Request r;
  r.method = "GET";
  r.query = query;
  auto page = authorize_endpoint(before, r);
  EXPECT_EQ(page.status, 503);
  ASSERT_NE(page.header("Retry-After"), nullptr);
  EXPECT_NE(page.body.find("temporarily_unavailable"), std::string::npos);
  EXPECT_EQ(page.body.find("connection refused"), std::string::npos);
  EXPECT_EQ(counted, 1);
  // The sign-in cannot be stored: the redirect_uri is verified, so the client hears of it (§4.1.2.1).
  DownTransactions down_transactions;
  signin::SignInDeps sign_in_deps{backend_.users(), hasher_, down_transactions, backend_.sso_sessions(), clock_};
  sign_in_deps.csrf_key = signin::CsrfKey(jose::random_bytes(32));
  signin::SignIn sign_in(sign_in_deps);
  AuthorizeDeps after{backend_.clients(), backend_.codes(), clock_, sign_in, "https://id.example.com"};
  after.count_store_fault = [&] { ++counted; };
  auto back = authorize_endpoint(after, r);
  EXPECT_EQ(back.status, 302);
  const auto l = location(back);
  EXPECT_EQ(l.rfind(std::string(kRedirect) + "?error=temporarily_unavailable", 0), 0u) << l;
  EXPECT_NE(l.find("state=s1"), std::string::npos) << l;
  EXPECT_EQ(counted, 2);
}

}  // namespace
}  // namespace gatehouse::oidc
