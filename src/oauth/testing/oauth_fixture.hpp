#pragma once
// The fixture of the OAuth endpoints' unit tests: a real (in-memory SQLite) store, a fixed clock,
// real keys, and three clients: svc (client_secret_basic, ES256, client_credentials), poster
// (client_secret_post, RS256, client_credentials) and webapp (authorization_code only).

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "client/registration.hpp"
#include "core/base64url.hpp"
#include "jose/openssl/crypto.hpp"
#include "keys/key_ring.hpp"
#include "oauth/endpoints.hpp"
#include "oauth/token/token_endpoint.hpp"
#include "storage/sqlite/sqlite_backend.hpp"

namespace gatehouse::oauth::testing {

namespace json = boost::json;

constexpr const char* kSecret = "s3cret+with%odd:chars";

class OAuthTest : public ::testing::Test {
 protected:
  OAuthTest()
      : backend_(storage::sqlite::SqliteOptions{":memory:", 2}),
        clock_(1'800'000'000),
        hasher_(KeyBytes(jose::random_bytes(32))),
        codec_(ring_, "https://id.example.com"),
        deps_{backend_.clients(), hasher_, codec_, backend_.revocations(), clock_, std::chrono::seconds(600)} {
    backend_.migrate();
    std::vector<keys::SigningKey> keys;
    for (auto alg : {jose::Algorithm::kRS256, jose::Algorithm::kES256}) {
      auto pair = std::make_shared<const jose::KeyPair>(jose::KeyPair::generate(alg));
      keys.push_back({pair->thumbprint(), alg, keys::KeyState::kCurrent, pair});
    }
    ring_.publish(std::make_shared<const keys::KeySet>(std::move(keys)));
    add_client("svc", "client_secret_basic", {"client_credentials"}, "api:read api:write", "ES256");
    add_client("poster", "client_secret_post", {"client_credentials"}, "api:read", "RS256");
    add_client("webapp", "client_secret_basic", {"authorization_code"}, "openid", "RS256");
  }

  void add_client(std::string id, std::string method, std::vector<std::string> grants, std::string scope,
                  std::string alg) {
    client::ClientDraft d;
    d.client.client_id = std::move(id);
    d.client.token_endpoint_auth_method = std::move(method);
    d.client.grant_types = std::move(grants);
    d.client.scopes = *client::split_scope(scope);
    d.client.access_token_signed_response_alg = std::move(alg);
    d.client.redirect_uris = {"https://app.example.com/cb"};
    d.secret = kSecret;
    ASSERT_TRUE(backend_.clients().insert(client::prepare_new_client(std::move(d), hasher_, clock_.now()).client));
  }

  static std::string form_escape(std::string_view s) { return http::percent_encode(s); }

  static http::Request post(std::string body, std::string basic_user = {}, std::string basic_pass = {}) {
    http::Request r;
    r.method = "POST";
    r.path = "/oauth2/token";
    r.body = std::move(body);
    r.headers.push_back({"content-type", "application/x-www-form-urlencoded"});
    if (!basic_user.empty())
      r.headers.push_back({"authorization", "Basic " + base64_encode(form_escape(basic_user) + ":" + form_escape(basic_pass))});
    return r;
  }

  static json::object body_of(const http::Response& r) { return json::parse(r.body).as_object(); }
  static std::string error_of(const http::Response& r) { return std::string(body_of(r).at("error").as_string()); }

  std::string issue(const std::string& scope = {}) {
    auto r = token_endpoint(deps_, post("grant_type=client_credentials" + (scope.empty() ? "" : "&scope=" + scope), "svc", kSecret));
    EXPECT_EQ(r.status, 200) << r.body;
    return std::string(body_of(r).at("access_token").as_string());
  }

  storage::sqlite::SqliteBackend backend_;
  FixedClock clock_;
  client::SecretHasher hasher_;
  keys::KeyRing ring_;
  token::AccessTokenCodec codec_;
  OAuthDeps deps_;
};

}  // namespace gatehouse::oauth::testing
