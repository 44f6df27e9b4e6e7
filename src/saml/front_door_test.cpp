// The SAML front door against the real sign-in domain on an in-memory SQLite store, a fixed clock
// and a real RS256 key ring: what the e2e tests (pysaml2, mod_auth_mellon) cannot reach cheaply —
// no signing key (503, nothing issued), the authentication context a session did not reach
// (NoAuthnContext), AllowCreate="false", SPNameQualifier, and the checks of single logout.

#include "saml/front_door.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "signin/testing/pages.hpp"

#include "jose/openssl/crypto.hpp"
#include "saml/encoding.hpp"
#include "saml/logout.hpp"
#include "saml/protocol.hpp"
#include "saml/redirect_signature.hpp"
#include "saml/single_logout.hpp"
#include "saml/soap.hpp"
#include "saml/dsig.hpp"
#include "http/percent.hpp"
#include "saml/testing/fixtures.hpp"
#include "saml/testing/sp_metadata.hpp"
#include "storage/sqlite/sqlite_backend.hpp"

namespace gatehouse::saml {
namespace {

using signin::testing::field;
using signin::testing::session_cookie;

constexpr user::Argon2Params kCheap{256, 1, 1};
constexpr std::string_view kSp = "https://sp.example/mellon/metadata";
constexpr std::string_view kIdp = "https://idp.example.com/saml/metadata";
constexpr std::string_view kBase = "https://idp.example.com";

class SamlFrontDoorTest : public ::testing::Test {
 protected:
  SamlFrontDoorTest()
      : backend_(storage::sqlite::SqliteOptions{":memory:", 2}),
        clock_(1'800'000'000),
        hasher_(kCheap),
        logouts_(backend_.sso_sessions()),
        sign_in_deps_{backend_.users(), hasher_, backend_.login_transactions(), logouts_, clock_},
        sign_in_(sign_in_deps_),
        sp_key_(testing::make_test_key(jose::Algorithm::kRS256, "sp.example")),
        sps_([this] { return sources_; }, std::chrono::seconds(60), clock_),
        credentials_("idp.example.com"),
        deps_{.sign_in = sign_in_,
              .sps = sps_,
              .artifacts = backend_.saml_artifacts(),
              .persistent_ids = backend_.saml_persistent_ids(),
              .replays = backend_.replays(),
              .users = backend_.users(),
              .keys = ring_,
              .credentials = credentials_,
              .clock = clock_,
              .idp = {std::string(kIdp), std::string(kBase)},
              .logouts = &logouts_,
              .session_index_key = std::string(32, 'k')},
        saml_(deps_) {
    backend_.migrate();
    sign_in_deps_.csrf_key = signin::CsrfKey(jose::random_bytes(32));
    sign_in_.add_front_door(saml_);
    user::User u;
    u.id = "u1";
    u.username = "ada";
    u.email = "ada@example.com";
    u.password_hash = hasher_.hash(user::Password("correct horse"));
    EXPECT_EQ(backend_.users().insert(u), user::UserWriteResult::kOk);
    register_sp({{"saml_nameid_format", "persistent"}, {"saml_require_signed_requests", false}});
    auto pair = std::make_shared<const jose::KeyPair>(jose::KeyPair::generate(jose::Algorithm::kRS256));
    ring_.publish(std::make_shared<const keys::KeySet>(
        std::vector<keys::SigningKey>{{"k1", jose::Algorithm::kRS256, keys::KeyState::kCurrent, std::move(pair)}}));
  }

  void register_sp(boost::json::object members, std::string_view endpoints = testing::kSpEndpoints) {
    const auto body = testing::key_descriptor("signing", base64_encode(sp_key_.certificate_der)) + std::string(endpoints);
    members["saml_metadata"] = testing::sp_metadata(kSp, body, R"(AuthnRequestsSigned="false")");
    sources_ = {SpSource{"app", "The App", boost::json::serialize(members), ""}};
    sps_.invalidate();
  }

  /// An AuthnRequest by HTTP-Redirect asking for the POST consumer, with `policy` inside.
  http::Request authn_request(const std::string& policy = {}, const std::string& cookie = {}) {
    const auto xml = "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
                     "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"" + new_id() +
                     "\" Version=\"2.0\" IssueInstant=\"" + iso8601(clock_.now()) + "\" Destination=\"" +
                     std::string(kBase) + "/saml/sso\" AssertionConsumerServiceIndex=\"1\"><saml:Issuer>" +
                     std::string(kSp) + "</saml:Issuer>" + policy + "</samlp:AuthnRequest>";
    auto query = build_redirect_query("SAMLRequest", xml, "", nullptr);
    http::Request r;
    r.method = "GET";
    r.path = "/saml/sso";
    r.query = *query;
    if (!cookie.empty()) r.headers.push_back({"cookie", cookie});
    return r;
  }

  /// The decoded SAMLResponse of an auto-posting page ("" when there is none).
  static std::string response_of(const http::Response& r) {
    auto xml = base64_decode(field(r.body, "SAMLResponse"));
    return xml ? *xml : std::string();
  }

  /// Signs in through /saml/sso: the answer page, and the session cookie in `cookie`.
  http::Response sign_in(std::string& cookie, const std::string& policy = {}) {
    auto page = saml_.sso(authn_request(policy));
    EXPECT_EQ(page.status, 200) << page.body;
    http::Request post;
    post.method = "POST";
    post.headers.push_back({"content-type", "application/x-www-form-urlencoded"});
    post.headers.push_back({"cookie", "gh_csrf=" + field(page.body, "csrf")});
    post.body = "tx=" + field(page.body, "tx") + "&csrf=" + field(page.body, "csrf") + "&username=ada&password=correct+horse";
    auto r = sign_in_.login_endpoint(post);
    cookie = session_cookie(r);
    return r;
  }

  storage::sqlite::SqliteBackend backend_;
  FixedClock clock_;
  user::PasswordHasher hasher_;
  signin::LogoutSessions logouts_;
  signin::SignInDeps sign_in_deps_;
  signin::SignIn sign_in_;
  testing::TestKey sp_key_;
  std::vector<SpSource> sources_;
  SpRegistry sps_;
  keys::KeyRing ring_;
  IdpCredentials credentials_;
  SamlDeps deps_;
  SamlFrontDoor saml_;
};

TEST_F(SamlFrontDoorTest, ASignInAndThenTheSessionAnswerWithASignedAssertion) {
  std::string cookie;
  const auto first = response_of(sign_in(cookie));
  ASSERT_FALSE(cookie.empty());
  EXPECT_NE(first.find("urn:oasis:names:tc:SAML:2.0:status:Success"), std::string::npos) << first;
  EXPECT_NE(first.find("<ds:SignatureValue>"), std::string::npos);
  const auto again = response_of(saml_.sso(authn_request({}, cookie)));
  EXPECT_NE(again.find("urn:oasis:names:tc:SAML:2.0:status:Success"), std::string::npos) << "no form the second time";
}

TEST_F(SamlFrontDoorTest, WithoutASigningKeyNothingIsIssued) {
  std::string cookie;
  sign_in(cookie);
  ring_.publish(std::make_shared<const keys::KeySet>(std::vector<keys::SigningKey>{}));
  auto r = saml_.sso(authn_request({}, cookie));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body.find("SAMLResponse"), std::string::npos) << "never an unsigned assertion";
}

TEST_F(SamlFrontDoorTest, AContextTheSessionDidNotReachIsNoAuthnContext) {
  std::string cookie;
  sign_in(cookie);
  const std::string exact_mfa =
      "<samlp:RequestedAuthnContext Comparison=\"exact\"><saml:AuthnContextClassRef>"
      "https://refeds.org/profile/mfa</saml:AuthnContextClassRef></samlp:RequestedAuthnContext>";
  // The password session cannot state MFA; with no second factor enrolled the sign-in asks for one
  // or refuses — either way no assertion claims it.
  const auto answer = saml_.sso(authn_request(exact_mfa, cookie));
  EXPECT_EQ(response_of(answer).find("https://refeds.org/profile/mfa</saml:AuthnContextClassRef>"), std::string::npos);
  const std::string unknown =
      "<samlp:RequestedAuthnContext><saml:AuthnContextClassRef>urn:example:retina</saml:AuthnContextClassRef>"
      "</samlp:RequestedAuthnContext>";
  const auto refused = response_of(saml_.sso(authn_request(unknown, cookie)));
  EXPECT_NE(refused.find(kStatusNoAuthnContext), std::string::npos) << refused;
  EXPECT_EQ(refused.find("<saml:Assertion"), std::string::npos);
}

TEST_F(SamlFrontDoorTest, AllowCreateFalseWithNoNameIdYetIsInvalidNameIdPolicy) {
  std::string cookie;
  const auto refused = response_of(sign_in(cookie, "<samlp:NameIDPolicy Format=\"" + std::string(kNameIdPersistent) +
                                                       "\" AllowCreate=\"false\"/>"));
  EXPECT_NE(refused.find(kStatusInvalidNameIdPolicy), std::string::npos) << refused;
  EXPECT_EQ(refused.find("<saml:Assertion"), std::string::npos);
  const auto created = response_of(saml_.sso(authn_request({}, cookie)));
  ASSERT_NE(created.find(kNameIdPersistent), std::string::npos) << created;
  const auto now_known = response_of(saml_.sso(authn_request(
      "<samlp:NameIDPolicy Format=\"" + std::string(kNameIdPersistent) + "\" AllowCreate=\"false\"/>", cookie)));
  EXPECT_NE(now_known.find("status:Success"), std::string::npos) << "once established, AllowCreate=false finds it";
  const auto foreign = response_of(saml_.sso(authn_request("<samlp:NameIDPolicy SPNameQualifier=\"urn:other\"/>", cookie)));
  EXPECT_NE(foreign.find(kStatusInvalidNameIdPolicy), std::string::npos) << "an SPNameQualifier not the SP's";
}

TEST_F(SamlFrontDoorTest, ASignedLogoutRequestForTheSessionEndsItAndAnUnsignedOneDoesNot) {
  std::string cookie;
  const auto answer = response_of(sign_in(cookie));
  const auto at = answer.find("SessionIndex=\"");
  ASSERT_NE(at, std::string::npos) << answer;
  const auto index = answer.substr(at + 14, answer.find('"', at + 14) - at - 14);
  const auto id_at = answer.find(">", answer.find("<saml:NameID")) + 1;
  const auto nameid = answer.substr(id_at, answer.find("</saml:NameID>", id_at) - id_at);
  const LogoutNameId name{nameid, std::string(kNameIdPersistent), std::string(kIdp), std::string(kSp)};
  const auto logout = [&](const SigningKey* key, std::string_view session_index) {
    const auto xml = build_logout_request(new_id(), kSp, std::string(kBase) + "/saml/slo", name, session_index,
                                          clock_.now(), clock_.now() + 300);
    http::Request r;
    r.method = "GET";
    r.path = "/saml/slo";
    r.query = *build_redirect_query("SAMLRequest", xml, "", key);
    return saml_.slo(r);
  };
  EXPECT_EQ(logout(nullptr, index).status, 403) << "an unsigned LogoutRequest";
  EXPECT_EQ(response_of(saml_.sso(authn_request({}, cookie))).find("status:Success") != std::string::npos, true)
      << "the session survives a refused logout";
  EXPECT_EQ(logout(&sp_key_.signing, seal_session_index(deps_.session_index_key, "another-sid", "app", nameid)).status, 302)
      << "a SessionIndex of a session that is gone: still answered";
  auto ended = logout(&sp_key_.signing, index);
  ASSERT_EQ(ended.status, 302) << ended.body;
  const auto* location = ended.header("Location");
  ASSERT_NE(location, nullptr);
  EXPECT_TRUE(location->starts_with("https://sp.example/mellon/logout-done?SAMLResponse=")) << *location;
  EXPECT_EQ(saml_.sso(authn_request({}, cookie)).body.find("SAMLResponse"), std::string::npos)
      << "after the logout the session answers no more";
}

TEST_F(SamlFrontDoorTest, ALogoutOnAnotherFrontDoorGoesThroughTheBrowserToAnSpWithoutSoapThenOn) {
  // The SP's SOAP SingleLogoutService left out: only the browser can reach it.
  std::string endpoints(testing::kSpEndpoints);
  endpoints.erase(0, endpoints.find('\n') + 1);
  ASSERT_EQ(endpoints.find("SOAP"), std::string::npos);
  register_sp({{"saml_nameid_format", "persistent"}, {"saml_require_signed_requests", false}}, endpoints);
  std::string cookie;
  sign_in(cookie);
  http::Request browser;
  browser.headers.push_back({"cookie", cookie});
  auto session = sign_in_.current_session(browser);
  ASSERT_TRUE(session);
  ASSERT_TRUE(logouts_.end(session->sid, ""));  // as /oauth2/logout or /cas/logout end it
  const std::string then = "https://rp.example/bye?state=s1";
  auto step = sign_in_.logout_through_browser(*session, then);
  ASSERT_TRUE(step) << "the SP is asked through the browser";
  ASSERT_EQ(step->status, 302) << step->body;
  const std::string location = *step->header("Location");
  const std::string slo = "https://sp.example/mellon/logout?";
  ASSERT_TRUE(location.starts_with(slo)) << location;
  auto query = parse_redirect_query(location.substr(slo.size()), 64 * 1024);
  ASSERT_TRUE(query) << query.error();
  EXPECT_TRUE(query->sig_alg) << "the IdP's LogoutRequest is signed";
  auto xml = inflate_raw(*base64_decode(query->message), 64 * 1024);
  ASSERT_TRUE(xml);
  auto doc = parse(*xml, 64 * 1024);
  ASSERT_TRUE(doc);
  auto request = read_logout_request(doc->root());
  ASSERT_TRUE(request) << request.error();
  EXPECT_EQ(request->session_indexes.size(), 1u);
  // The SP's signed answer, by Redirect, with the RelayState it was given: on to `then`.
  const auto answer = [&](const std::string& in_response_to, const std::string& relay) {
    const auto xml = build_logout_response(new_id(), kSp, std::string(kBase) + "/saml/slo", in_response_to,
                                           kStatusSuccess, "", clock_.now());
    http::Request r;
    r.method = "GET";
    r.path = "/saml/slo";
    r.query = *build_redirect_query("SAMLResponse", xml, relay, &sp_key_.signing);
    return saml_.slo(r);
  };
  EXPECT_EQ(answer(request->id, "forged-handle").status, 400) << "no chain waits under another RelayState";
  auto done = answer(request->id, *query->relay_state);
  ASSERT_EQ(done.status, 302) << done.body;
  EXPECT_EQ(*done.header("Location"), then);
  EXPECT_EQ(answer(request->id, *query->relay_state).status, 400) << "the chain's step is spent";
  // With a SOAP endpoint the back channel tells the SP: nothing for the browser to do.
  register_sp({{"saml_nameid_format", "persistent"}, {"saml_require_signed_requests", false}});
  EXPECT_FALSE(sign_in_.logout_through_browser(*session, then));
}

TEST_F(SamlFrontDoorTest, AnUnsolicitedSignInOnlyForAnSpThatAllowsItWithAShortTarget) {
  std::string cookie;
  sign_in(cookie);
  const auto unsolicited = [&](const std::string& query) {
    http::Request r;
    r.method = "GET";
    r.path = "/saml/unsolicited";
    r.query = query;
    r.headers.push_back({"cookie", cookie});
    return saml_.unsolicited(r);
  };
  const std::string sp = "providerId=" + http::percent_encode(kSp);
  EXPECT_EQ(unsolicited(sp).status, 403) << "saml_allow_idp_initiated is off";
  register_sp({{"saml_nameid_format", "persistent"}, {"saml_require_signed_requests", false}, {"saml_allow_idp_initiated", true}});
  EXPECT_EQ(unsolicited("providerId=https%3A%2F%2Fother.example%2Fsp").status, 403) << "an SP not registered";
  EXPECT_EQ(unsolicited(sp + "&target=" + std::string(81, 'a')).status, 400) << "a target over 80 bytes";
  EXPECT_EQ(unsolicited(sp + "&shire=https%3A%2F%2Fsp.example%2Felsewhere").status, 403) << "a consumer not in the metadata";
  auto r = unsolicited(sp + "&shire=" + http::percent_encode("https://sp.example/mellon/postResponse") + "&target=t1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(field(r.body, "RelayState"), "t1");
  const auto answer = response_of(r);
  EXPECT_NE(answer.find("status:Success"), std::string::npos) << answer;
  EXPECT_EQ(answer.find("InResponseTo"), std::string::npos) << "unsolicited: it answers no request";
  EXPECT_NE(answer.find("Destination=\"https://sp.example/mellon/postResponse\""), std::string::npos);
}

TEST_F(SamlFrontDoorTest, ASignedSoapLogoutRequestEndsTheSessionItsSessionIndexNamesWithNoCookie) {
  std::string cookie;
  const auto answer = response_of(sign_in(cookie));
  const auto at = answer.find("SessionIndex=\"");
  ASSERT_NE(at, std::string::npos);
  const auto index = answer.substr(at + 14, answer.find('"', at + 14) - at - 14);
  const auto id_at = answer.find(">", answer.find("<saml:NameID")) + 1;
  const auto nameid = answer.substr(id_at, answer.find("</saml:NameID>", id_at) - id_at);
  const LogoutNameId name{nameid, std::string(kNameIdPersistent), std::string(kIdp), std::string(kSp)};
  const auto soap = [&](bool sign) {
    const auto id = new_id();
    auto doc = parse(build_logout_request(id, kSp, std::string(kBase) + "/saml/slo", name, index, clock_.now(),
                                          clock_.now() + 300),
                     64 * 1024);
    EXPECT_TRUE(doc);
    if (sign) EXPECT_TRUE(sign_enveloped(*doc, doc->root(), sp_key_.signing));
    http::Request r;
    r.method = "POST";
    r.path = "/saml/slo";
    r.headers.push_back({"content-type", "text/xml; charset=utf-8"});
    r.body = soap_envelope(serialize(*doc, false));
    return std::pair{id, saml_.slo(r)};
  };
  auto [unsigned_id, refused] = soap(false);
  EXPECT_NE(refused.body.find("status:RequestDenied"), std::string::npos) << refused.body;
  EXPECT_EQ(refused.body.find("Signature"), std::string::npos) << "refused unsigned: no RSA signature spent";
  EXPECT_NE(response_of(saml_.sso(authn_request({}, cookie))).find("status:Success"), std::string::npos)
      << "the session survives";
  auto [id, ended] = soap(true);
  ASSERT_EQ(ended.status, 200) << ended.body;
  EXPECT_NE(ended.body.find("InResponseTo=\"" + id + "\""), std::string::npos);
  EXPECT_NE(ended.body.find("status:Success"), std::string::npos) << ended.body;
  EXPECT_EQ(ended.body.find("PartialLogout"), std::string::npos);
  EXPECT_EQ(saml_.sso(authn_request({}, cookie)).body.find("SAMLResponse"), std::string::npos)
      << "the session the SessionIndex named is gone, found with no cookie";
}

}  // namespace
}  // namespace gatehouse::saml
