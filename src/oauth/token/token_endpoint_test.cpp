// The token endpoint's shape: the grant table's dispatch, the request read once (the I/O thread
// hands what it read to the worker), and store faults answered in the OAuth error shape.

#include "oauth/token/token_endpoint.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "client/client_cache.hpp"
#include "client/registration.hpp"
#include "core/base64url.hpp"
#include "core/request_stats.hpp"
#include "jose/openssl/crypto.hpp"
#include "keys/key_ring.hpp"
#include "storage/sqlite/sqlite_backend.hpp"

namespace gatehouse::oauth {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kSecret = "token-endpoint-secret-01";

class TokenEndpointTest : public ::testing::Test {
 protected:
  TokenEndpointTest()
      : backend_(storage::sqlite::SqliteOptions{":memory:", 2}),
        clock_(1'800'000'000),
        hasher_(jose::random_bytes(32)),
        codec_(ring_, "https://id.example.com"),
        cache_(backend_.clients(), 30s),
        deps_{cache_, hasher_, codec_, backend_.revocations(), clock_, 600s, &cache_} {
    backend_.migrate();
    std::vector<keys::SigningKey> keys;
    for (auto alg : {jose::Algorithm::kRS256, jose::Algorithm::kES256}) {
      auto pair = std::make_shared<const jose::KeyPair>(jose::KeyPair::generate(alg));
      keys.push_back({pair->thumbprint(), alg, keys::KeyState::kCurrent, pair});
    }
    ring_.publish(std::make_shared<const keys::KeySet>(std::move(keys)));
    add_client("es", {"client_credentials"}, "ES256");
    add_client("rs", {"client_credentials"}, "RS256");
    add_client("coder", {"authorization_code"}, "ES256");
  }

  void add_client(std::string id, std::vector<std::string> grants, std::string alg) {
    client::ClientDraft d;
    d.client.client_id = std::move(id);
    d.client.token_endpoint_auth_method = "client_secret_basic";
    d.client.grant_types = std::move(grants);
    d.client.scopes = {"api:read"};
    d.client.access_token_signed_response_alg = std::move(alg);
    d.client.redirect_uris = {"https://app.example.com/cb"};
    d.secret = kSecret;
    ASSERT_TRUE(backend_.clients().insert(client::prepare_new_client(std::move(d), hasher_, clock_.now()).client));
  }

  static http::Request post(std::string path, std::string body, const std::string& client) {
    http::Request r;
    r.method = "POST";
    r.path = std::move(path);
    r.body = std::move(body);
    r.client_address = "192.0.2.7";
    r.headers.push_back({"content-type", "application/x-www-form-urlencoded"});
    r.headers.push_back({"authorization", "Basic " + base64_encode(client + ":" + kSecret)});
    return r;
  }
  static http::Request token_request(const std::string& client, std::string body = "grant_type=client_credentials") {
    return post("/oauth2/token", std::move(body), client);
  }
  static json::object body_of(const http::Response& r) { return json::parse(r.body).as_object(); }

  client::Client client(const std::string& id) { return *backend_.clients().find(id); }

  storage::sqlite::SqliteBackend backend_;
  FixedClock clock_;
  client::SecretHasher hasher_;
  keys::KeyRing ring_;
  token::AccessTokenCodec codec_;
  client::CachingClientStore cache_;
  OAuthDeps deps_;
};

// --- the grant table ---------------------------------------------------------------------------

TEST_F(TokenEndpointTest, TheTableRefusesAGrantTypeNoEntryServes) {
  const GrantTable table;
  const auto c = client("es");
  const Form form;
  EXPECT_EQ(table.find("password"), nullptr);
  auto r = run_grant(table.find("password"), "password", GrantRequest{deps_, c, form});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, OAuthErrorCode::kUnsupportedGrantType);
  EXPECT_EQ(r.error().description, "grant_type 'password' is not supported");
}

TEST_F(TokenEndpointTest, TheTableRefusesAGrantTheClientIsNotRegisteredFor) {
  GrantTable table;
  int calls = 0;
  table.add({"urn:example:grant", "POST /oauth2/token (example)", false, [&calls](const GrantRequest&) -> GrantResult {
               ++calls;
               return json::object{{"access_token", "x"}};
             }});
  const Form form;
  const auto es = client("es");
  auto refused = run_grant(table.find("urn:example:grant"), "urn:example:grant", GrantRequest{deps_, es, form});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, OAuthErrorCode::kUnauthorizedClient);
  EXPECT_EQ(refused.error().description, "this client may not use the urn:example:grant grant");
  EXPECT_EQ(calls, 0) << "the grant ran for a client not registered for it";

  auto cc = run_grant(table.find("client_credentials"), "client_credentials", GrantRequest{deps_, client("coder"), form});
  ASSERT_FALSE(cc);
  EXPECT_EQ(cc.error().description, "this client may not use the client_credentials grant");

  auto granted = run_grant(table.find("client_credentials"), "client_credentials", GrantRequest{deps_, es, form});
  ASSERT_TRUE(granted);
  EXPECT_TRUE(granted->contains("access_token"));
}

TEST_F(TokenEndpointTest, AGrantAddedUnderAnExistingNameReplacesIt) {
  GrantTable table;
  ASSERT_NE(table.find("client_credentials"), nullptr);
  EXPECT_TRUE(table.find("client_credentials")->may_run_inline);
  table.add({"client_credentials", "POST /oauth2/token (other)", false,
             [](const GrantRequest&) -> GrantResult { return unexpected(oauth_error(OAuthErrorCode::kInvalidGrant, "replaced")); }});
  const Form form;
  auto r = run_grant(table.find("client_credentials"), "client_credentials", GrantRequest{deps_, client("es"), form});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().description, "replaced");
}

TEST_F(TokenEndpointTest, UnknownGrantTypesAreRefusedOnlyAfterTheClientAuthenticated) {
  auto wrong = token_request("es", "grant_type=password");
  wrong.headers.back().value = "Basic " + base64_encode("es:wrong");
  EXPECT_EQ(token_endpoint(deps_, wrong).status, 401);
  auto r = token_endpoint(deps_, token_request("es", "grant_type=password"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(body_of(r).at("error").as_string(), "unsupported_grant_type");
}

// --- read once ---------------------------------------------------------------------------------

TEST_F(TokenEndpointTest, TheWorkerFinishesWhatTheIoThreadReadWithoutReadingTheRequestAgain) {
  http::Router router;
  add_token_routes(router, deps_);
  ASSERT_TRUE(cache_.find("rs"));  // cached: only the RS256 signature sends it to a worker
  auto r = token_request("rs");
  EXPECT_FALSE(router.dispatch_inline(r)) << "an RS256 token was signed on the I/O thread";
  ASSERT_TRUE(r.continuation) << "handed to the worker without what was read";
  // Were the worker to parse the form or the credentials again, it would now fail.
  r.body = "grant_type=password";
  r.headers.clear();
  auto answered = router.dispatch(r);
  EXPECT_EQ(answered.status, 200) << answered.body;
  EXPECT_TRUE(codec_.decode(body_of(answered).at("access_token").as_string()));
  EXPECT_FALSE(r.continuation) << "the continuation runs once";
  EXPECT_STREQ(stats::request_kind, "POST /oauth2/token (client_credentials)") << "the worker names the request";
}

TEST_F(TokenEndpointTest, WithALimitTheWorkerCountsItThenReadsTheCredentialsOnce) {
  int counted = 0;
  deps_.limits.per_address = [&counted](std::string_view address) -> std::optional<UnixSeconds> {
    EXPECT_EQ(address, "192.0.2.7");
    ++counted;
    return std::nullopt;
  };
  http::Router router;
  add_token_routes(router, deps_);
  ASSERT_TRUE(cache_.find("es"));
  auto r = token_request("es");
  EXPECT_FALSE(router.dispatch_inline(r)) << "a limit is counted in the store, never on the I/O thread";
  EXPECT_EQ(counted, 0);
  ASSERT_TRUE(r.continuation);
  r.body.clear();  // the form was read on the I/O thread; the credentials were not (limits first)
  auto answered = router.dispatch(r);
  EXPECT_EQ(answered.status, 200) << answered.body;
  EXPECT_EQ(counted, 1);
}

TEST_F(TokenEndpointTest, TheFastPathAnswersCachedEs256ClientsWithoutAContinuation) {
  ASSERT_TRUE(cache_.find("es"));
  auto r = token_request("es");
  auto fast = token_endpoint_fast_path(deps_, r);
  ASSERT_TRUE(fast.answer);
  EXPECT_EQ(fast.answer->status, 200);
  EXPECT_FALSE(fast.continuation);
  // Too large to read on the I/O thread: declined, and nothing was read.
  r.body += "&pad=" + std::string(5000, 'x');
  auto big = token_endpoint_fast_path(deps_, r);
  EXPECT_FALSE(big.answer);
  EXPECT_FALSE(big.continuation);
}

// --- store faults ------------------------------------------------------------------------------

/// A store whose every read fails, as PostgreSQL does while it is down.
class DownClientStore final : public client::ClientStore {
 public:
  std::optional<client::Client> find(const std::string&) override { throw StorageError("connection refused"); }
  client::ClientPage list(std::size_t, std::size_t) override { throw StorageError("connection refused"); }
  bool insert(const client::Client&) override { throw StorageError("connection refused"); }
  client::UpdateResult update(const client::Client&) override { throw StorageError("connection refused"); }
  bool remove(const std::string&) override { throw StorageError("connection refused"); }
};

TEST_F(TokenEndpointTest, AStoreFaultIsAnsweredInTheOAuthErrorShape) {
  DownClientStore down;
  OAuthDeps deps{down, hasher_, codec_, backend_.revocations(), clock_, 600s};
  int counted = 0;
  deps.count_store_fault = [&counted] { ++counted; };
  http::Router router;
  add_token_routes(router, deps);
  add_routes(router, deps);
  for (const char* path : {"/oauth2/token", "/oauth2/introspect", "/oauth2/revoke"}) {
    auto r = router.dispatch(post(path, "grant_type=client_credentials&token=abc", "es"));
    EXPECT_EQ(r.status, 503) << path;
    auto body = body_of(r);
    EXPECT_EQ(body.at("error").as_string(), "temporarily_unavailable") << path;
    EXPECT_EQ(body.at("error_description").as_string(), "the store is unavailable; retry later") << path;
    EXPECT_FALSE(body.contains("message")) << path << ": the admin API's shape";
    EXPECT_EQ(body.find("connection refused"), body.end());
    ASSERT_NE(r.header("Retry-After"), nullptr) << path;
    EXPECT_EQ(*r.header("Retry-After"), "1");
    EXPECT_EQ(*r.header("Cache-Control"), "no-store");
  }
  EXPECT_EQ(counted, 3);
}

}  // namespace
}  // namespace gatehouse::oauth
