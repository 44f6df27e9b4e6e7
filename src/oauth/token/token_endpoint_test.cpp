// The token endpoint's shape: the grant table's dispatch, the request read once (the I/O thread
// hands what it read to the worker), and store faults answered in the OAuth error shape.

#include "oauth/token/token_endpoint.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "client/client_cache.hpp"
#include "core/request_stats.hpp"
#include "oauth/testing/oauth_fixture.hpp"

namespace gatehouse::oauth {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using testing::kSecret;

/// With the near-cache in front of the store, as in a node.
class TokenEndpointTest : public testing::OAuthTest {
 protected:
  TokenEndpointTest() : cache_(backend_.clients(), 30s), cached_{cache_, hasher_, codec_, backend_.revocations(), clock_, 600s, &cache_} {}

  static http::Request to(std::string path, http::Request r) {
    r.path = std::move(path);
    r.client_address = "192.0.2.7";
    return r;
  }
  static http::Request token_request(const std::string& client, std::string body = "grant_type=client_credentials") {
    return to("/oauth2/token", post(std::move(body), client, kSecret));
  }
  client::Client client(const std::string& id) { return *backend_.clients().find(id); }

  client::CachingClientStore cache_;
  OAuthDeps cached_;
};

// --- the grant table ---------------------------------------------------------------------------

TEST_F(TokenEndpointTest, TheTableRefusesAGrantTypeNoEntryServes) {
  const GrantTable table;
  const auto c = client("svc");
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
  const auto es = client("svc");
  auto refused = run_grant(table.find("urn:example:grant"), "urn:example:grant", GrantRequest{deps_, es, form});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, OAuthErrorCode::kUnauthorizedClient);
  EXPECT_EQ(refused.error().description, "this client may not use the urn:example:grant grant");
  EXPECT_EQ(calls, 0) << "the grant ran for a client not registered for it";

  auto cc = run_grant(table.find("client_credentials"), "client_credentials", GrantRequest{deps_, client("webapp"), form});
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
  auto r = run_grant(table.find("client_credentials"), "client_credentials", GrantRequest{deps_, client("svc"), form});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().description, "replaced");
}

TEST_F(TokenEndpointTest, UnknownGrantTypesAreRefusedOnlyAfterTheClientAuthenticated) {
  auto wrong = to("/oauth2/token", post("grant_type=password", "svc", "wrong-secret-000000"));
  EXPECT_EQ(token_endpoint(deps_, wrong).status, 401);
  auto r = token_endpoint(deps_, token_request("svc", "grant_type=password"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(body_of(r).at("error").as_string(), "unsupported_grant_type");
}

// --- read once ---------------------------------------------------------------------------------

TEST_F(TokenEndpointTest, TheWorkerFinishesWhatTheIoThreadReadWithoutReadingTheRequestAgain) {
  http::Router router;
  add_token_routes(router, cached_);
  ASSERT_TRUE(cache_.find("poster"));  // cached: only the RS256 signature sends it to a worker
  auto r = to("/oauth2/token", post("grant_type=client_credentials&client_id=poster&client_secret=" + form_escape(kSecret)));
  EXPECT_FALSE(router.dispatch_inline(r)) << "an RS256 token was signed on the I/O thread";
  ASSERT_TRUE(r.continuation) << "handed to the worker without what was read";
  // Were the worker to parse the form or the credentials (client_secret_post) again, it would now fail.
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
  cached_.limits.per_address = [&counted](std::string_view address) -> std::optional<UnixSeconds> {
    EXPECT_EQ(address, "192.0.2.7");
    ++counted;
    return std::nullopt;
  };
  http::Router router;
  add_token_routes(router, cached_);
  ASSERT_TRUE(cache_.find("svc"));
  auto r = token_request("svc");
  EXPECT_FALSE(router.dispatch_inline(r)) << "a limit is counted in the store, never on the I/O thread";
  EXPECT_EQ(counted, 0);
  ASSERT_TRUE(r.continuation);
  r.body.clear();  // the form was read on the I/O thread; the credentials were not (limits first)
  auto answered = router.dispatch(r);
  EXPECT_EQ(answered.status, 200) << answered.body;
  EXPECT_EQ(counted, 1);
}

TEST_F(TokenEndpointTest, TheFastPathAnswersCachedEs256ClientsWithoutAContinuation) {
  ASSERT_TRUE(cache_.find("svc"));
  auto r = token_request("svc");
  auto fast = token_endpoint_fast_path(cached_, r);
  ASSERT_TRUE(fast.answer);
  EXPECT_EQ(fast.answer->status, 200);
  EXPECT_FALSE(fast.continuation);
  // Too large to read on the I/O thread: declined, and nothing was read.
  r.body += "&pad=" + std::string(5000, 'x');
  auto big = token_endpoint_fast_path(cached_, r);
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
    auto r = router.dispatch(to(path, post("grant_type=client_credentials&token=abc", "svc", kSecret)));
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
