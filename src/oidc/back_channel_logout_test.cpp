// OIDC Back-Channel Logout: which participants of an ended session are sent a Logout Token, and
// the token itself — verified with the public keys of the ring's JWKS, typ logout+jwt, the
// required claims and no nonce, the client's sub and the session's sid, a fresh jti at each
// attempt — and a message abandoned when there is no key to sign it.

#include "oidc/back_channel_logout.hpp"

#include <map>
#include <mutex>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "core/base64url.hpp"
#include "http/percent.hpp"
#include "oauth/testing/oauth_fixture.hpp"

namespace gatehouse::oidc {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

/// What the sender posted, as a relying party would receive it.
struct Received {
  std::string url;
  std::string content_type;
  std::string token;  // the logout_token form field, decoded
};

struct Recorder {
  std::mutex mutex;
  std::vector<Received> seen;
  int fail_first = 0;  // answer 503 to this many posts first
  int post(const signin::BackChannelMessage& m) {
    std::lock_guard lock(mutex);
    Received r{m.url, m.content_type, ""};
    if (m.body.starts_with("logout_token=")) http::percent_decode(std::string_view(m.body).substr(13), r.token, true);
    seen.push_back(std::move(r));
    if (fail_first > 0) {
      --fail_first;
      return 503;
    }
    return 204;  // §2.8 allows 200 or 204 for a success
  }
  std::vector<Received> all() {
    std::lock_guard lock(mutex);
    return seen;
  }
};

class BackChannelLogoutTest : public oauth::testing::OAuthTest {
 protected:
  BackChannelLogoutTest()
      : sender_([this](const signin::BackChannelMessage& m) { return posts_.post(m); },
                {.max_queue = 16, .max_attempts = 2, .retry_delay = 1ms}),
        listener_({.clients = backend_.clients(), .tokens = codec_, .clock = clock_, .sender = sender_}) {
    add_rp("rp-rs", "https://rp-rs.example.com/bcl", "RS256");
    add_rp("rp-es", "https://rp-es.example.com/bcl", "ES256");
    add_rp("gone", "https://gone.example.com/bcl", "RS256");
    EXPECT_TRUE(backend_.clients().remove("gone"));  // deleted before the session ends
    session_.sid = "sid-42";
    session_.user_id = "user-7";
    session_.participants = {{"oidc", "rp-rs", 1, ""},  {"oidc", "webapp", 1, ""},  // webapp: no URI
                             {"oidc", "gone", 1, ""},   {"cas", "rp-es", 1, ""},    // not OIDC
                             {"saml-slo", "rp-rs x", 1, "x f n"}, {"oidc", "rp-es", 2, ""}};
  }

  void add_rp(const std::string& id, const std::string& uri, const std::string& alg) {
    client::ClientDraft d;
    d.client.client_id = id;
    d.client.token_endpoint_auth_method = "client_secret_basic";
    d.client.grant_types = {"authorization_code"};
    d.client.redirect_uris = {"https://app.example.com/cb"};
    d.client.id_token_signed_response_alg = alg;
    d.client.extra_metadata = json::serialize(json::object{{"backchannel_logout_uri", uri}});
    d.secret = oauth::testing::kSecret;
    ASSERT_TRUE(backend_.clients().insert(client::prepare_new_client(std::move(d), hasher_, clock_.now()).client));
  }

  /// The token verified with a public key of the ring's published JWKS (as a relying party would).
  /// @returns {header, claims}; fails the test when it does not verify.
  std::pair<json::object, json::object> verify(const std::string& token) {
    const auto jwks = json::parse(ring_.current()->jwks_json()).as_object();
    auto lookup = [&](std::string_view kid, jose::Algorithm alg) -> const jose::KeyPair* {
      for (const auto& k : jwks.at("keys").as_array()) {
        const auto& jwk = k.as_object();
        if (jwk.at("kid").as_string() != kid || jwk.at("alg").as_string() != jose::to_string(alg)) continue;
        published_.push_back(std::make_unique<jose::KeyPair>(jose::KeyPair::from_public_jwk(alg, jwk)));
        return published_.back().get();
      }
      return nullptr;
    };
    auto verified = jose::jws_verify(token, lookup);
    EXPECT_TRUE(verified) << (verified ? "" : verified.error());
    if (!verified) return {};
    return {verified->header, json::parse(verified->payload).as_object()};
  }

  Recorder posts_;
  signin::BackChannelSender sender_;
  BackChannelLogout listener_;
  session::SsoSession session_;
  std::vector<std::unique_ptr<jose::KeyPair>> published_;
};

TEST_F(BackChannelLogoutTest, OneTokenPerOidcParticipantWithAUriAndNoneForOthers) {
  listener_.session_ended(session_, "");
  ASSERT_TRUE(sender_.wait_idle(5s));
  auto got = posts_.all();
  ASSERT_EQ(got.size(), 2u) << "rp-rs and rp-es only: not webapp (no URI), gone (deleted), cas or saml-slo";
  std::map<std::string, Received> by_url;
  for (auto& r : got) by_url[r.url] = r;
  ASSERT_TRUE(by_url.contains("https://rp-rs.example.com/bcl"));
  ASSERT_TRUE(by_url.contains("https://rp-es.example.com/bcl"));
  for (const auto& [url, r] : by_url) EXPECT_EQ(r.content_type, "application/x-www-form-urlencoded");
  EXPECT_EQ(sender_.delivered(), 2u) << "204 counts as delivered";
}

TEST_F(BackChannelLogoutTest, TheTokenIsSignedLikeTheClientsIdTokensWithTheRequiredClaims) {
  listener_.session_ended(session_, "");
  ASSERT_TRUE(sender_.wait_idle(5s));
  for (const auto& r : posts_.all()) {
    const bool es = r.url == "https://rp-es.example.com/bcl";
    auto [header, claims] = verify(r.token);
    EXPECT_EQ(header.at("typ").as_string(), "logout+jwt");
    EXPECT_EQ(header.at("alg").as_string(), es ? "ES256" : "RS256") << "the client's id_token_signed_response_alg";
    EXPECT_EQ(header.at("kid").as_string(),
              ring_.current()->signer(es ? jose::Algorithm::kES256 : jose::Algorithm::kRS256)->kid);
    EXPECT_EQ(claims.at("iss").as_string(), "https://id.example.com");
    EXPECT_EQ(claims.at("aud").as_string(), es ? "rp-es" : "rp-rs");
    EXPECT_EQ(claims.at("sub").as_string(), "user-7") << "the sub of the client's ID tokens (public subjects)";
    EXPECT_EQ(claims.at("sid").as_string(), "sid-42");
    EXPECT_EQ(claims.at("iat").as_int64(), clock_.now());
    EXPECT_EQ(claims.at("exp").as_int64(), clock_.now() + 120);
    EXPECT_GE(claims.at("jti").as_string().size(), 16u);
    const auto& events = claims.at("events").as_object();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_TRUE(events.at("http://schemas.openid.net/event/backchannel-logout").as_object().empty());
    EXPECT_FALSE(claims.contains("nonce")) << "§2.4: a Logout Token never has a nonce";
    EXPECT_EQ(codec_.decode_own_jwt(r.token), std::nullopt) << "never taken as an id_token_hint";
  }
}

TEST_F(BackChannelLogoutTest, TheClientThatAskedForTheLogoutIsToldToo) {
  listener_.session_ended(session_, "rp-rs");
  ASSERT_TRUE(sender_.wait_idle(5s));
  EXPECT_EQ(posts_.all().size(), 2u) << "RP-initiated logout: the requesting RP also gets its Logout Token";
}

TEST_F(BackChannelLogoutTest, EachAttemptMakesAFreshToken) {
  session_.participants = {{"oidc", "rp-rs", 1, ""}};
  posts_.fail_first = 1;
  listener_.session_ended(session_, "");
  ASSERT_TRUE(sender_.wait_idle(5s));
  auto got = posts_.all();
  ASSERT_EQ(got.size(), 2u) << "a 503, then a second attempt";
  auto first = verify(got[0].token).second;
  auto second = verify(got[1].token).second;
  EXPECT_NE(first.at("jti"), second.at("jti"));
  EXPECT_EQ(first.at("sid"), second.at("sid"));
  EXPECT_EQ(sender_.delivered(), 1u);
}

TEST_F(BackChannelLogoutTest, WithoutAKeyForTheClientsAlgorithmTheMessageIsAbandoned) {
  std::vector<keys::SigningKey> es_only;
  for (const auto& k : ring_.current()->keys())
    if (k.alg == jose::Algorithm::kES256) es_only.push_back(k);
  ring_.publish(std::make_shared<const keys::KeySet>(std::move(es_only)));
  EXPECT_EQ(listener_.make_token("rp-rs", jose::Algorithm::kRS256, "user-7", "sid-42"), std::nullopt);
  session_.participants = {{"oidc", "rp-rs", 1, ""}};
  listener_.session_ended(session_, "");
  ASSERT_TRUE(sender_.wait_idle(5s));
  EXPECT_TRUE(posts_.all().empty()) << "nothing unsigned is ever posted";
  EXPECT_EQ(sender_.abandoned(), 1u);
}

TEST_F(BackChannelLogoutTest, TheClaimSetHasExactlyTheLogoutTokenClaims) {
  auto claims = logout_token_claims({"https://id.example.com", "rp", "u", "s", "j", 100, 120});
  EXPECT_EQ(claims.size(), 8u) << json::serialize(claims);
  for (const char* name : {"iss", "aud", "iat", "exp", "jti", "sub", "sid", "events"})
    EXPECT_TRUE(claims.contains(name)) << name;
  EXPECT_EQ(claims.at("exp").as_int64(), 220);
}

}  // namespace
}  // namespace gatehouse::oidc
