// The Single Logout messages (logout.hpp) and the pieces of single logout that need no front door
// (single_logout.hpp): reading what SPs send, writing what Gatehouse sends, the SessionIndex seal.
#include "saml/logout.hpp"

#include <gtest/gtest.h>

#include "saml/protocol.hpp"
#include "saml/single_logout.hpp"
#include "saml/soap.hpp"

namespace gatehouse::saml {
namespace {

const std::string kRequest =
    "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
    "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_r1\" Version=\"2.0\" "
    "IssueInstant=\"2026-12-04T10:00:00Z\" Destination=\"https://idp.example/saml/slo\" "
    "NotOnOrAfter=\"2026-12-04T10:05:00Z\" Reason=\"urn:oasis:names:tc:SAML:2.0:logout:user\">"
    "<saml:Issuer>https://sp.example/</saml:Issuer>"
    "<saml:NameID Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent\" SPNameQualifier=\"https://sp.example/\">abc</saml:NameID>"
    "<samlp:SessionIndex>_s1</samlp:SessionIndex><samlp:SessionIndex>_s2</samlp:SessionIndex>"
    "</samlp:LogoutRequest>";

Result<LogoutRequest, std::string> read(const std::string& xml, Document& keep) {
  auto doc = parse(xml, 64 * 1024);
  if (!doc) return unexpected(doc.error());
  keep = std::move(*doc);
  return read_logout_request(keep.root());
}

std::string with(std::string xml, const std::string& from, const std::string& to) {
  xml.replace(xml.find(from), from.size(), to);
  return xml;
}

TEST(SamlLogout, ALogoutRequestIsRead) {
  Document doc;
  auto r = read(kRequest, doc);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->id, "_r1");
  EXPECT_EQ(r->issuer, "https://sp.example/");
  EXPECT_EQ(r->destination, "https://idp.example/saml/slo");
  ASSERT_TRUE(r->not_on_or_after);
  EXPECT_EQ(*r->not_on_or_after - r->issue_instant, 300);
  EXPECT_EQ(r->name_id.value, "abc");
  EXPECT_EQ(r->name_id.format, kNameIdPersistent);
  EXPECT_EQ(r->name_id.sp_name_qualifier, "https://sp.example/");
  EXPECT_EQ(r->session_indexes, (std::vector<std::string>{"_s1", "_s2"}));
  EXPECT_FALSE(r->has_signature);
}

TEST(SamlLogout, MalformedLogoutRequestsAreRefused) {
  Document doc;
  for (const auto& bad : {
           with(kRequest, "Version=\"2.0\"", "Version=\"1.1\""),
           with(kRequest, "ID=\"_r1\"", "ID=\"1r\""),
           with(kRequest, "IssueInstant=\"2026-12-04T10:00:00Z\"", "IssueInstant=\"2026-12-04T10:00:00\""),
           with(kRequest, "NotOnOrAfter=\"2026-12-04T10:05:00Z\"", "NotOnOrAfter=\"soon\""),
           with(kRequest, "<saml:Issuer>https://sp.example/</saml:Issuer>", ""),
           with(kRequest, "<saml:Issuer>https://sp.example/</saml:Issuer>", "<saml:Issuer></saml:Issuer>"),
           with(kRequest, ">abc</saml:NameID>", "></saml:NameID>"),
           with(kRequest, "<samlp:SessionIndex>_s1</samlp:SessionIndex>", "<samlp:SessionIndex></samlp:SessionIndex>"),
           with(kRequest, "<saml:NameID Format", "<saml:EncryptedID/><saml:NameID Format"),
       }) {
    EXPECT_FALSE(read(bad, doc)) << bad;
  }
  std::string many = kRequest;
  for (int i = 0; i < 20; ++i) many = with(many, "</samlp:LogoutRequest>", "<samlp:SessionIndex>_x</samlp:SessionIndex></samlp:LogoutRequest>");
  EXPECT_FALSE(read(many, doc)) << "more SessionIndex elements than kept";
  auto response = parse(build_logout_response("_x", "idp", "", "_r1", kStatusSuccess, "", 0), 64 * 1024);
  ASSERT_TRUE(response);
  EXPECT_FALSE(read_logout_request(response->root())) << "a LogoutResponse is not a LogoutRequest";
}

TEST(SamlLogout, WhatGatehouseWritesReadsBack) {
  const LogoutNameId id{"a<b", std::string(kNameIdTransient), "https://idp.example/", "https://sp.example/"};
  auto doc = parse(build_logout_request("_q1", "https://idp.example/", "https://sp.example/slo", id, "_s9", 1'800'000'000,
                                        1'800'000'300),
                   64 * 1024);
  ASSERT_TRUE(doc);
  auto r = read_logout_request(doc->root());
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->name_id.value, "a<b");
  EXPECT_EQ(r->name_id.name_qualifier, "https://idp.example/");
  EXPECT_EQ(r->session_indexes, (std::vector<std::string>{"_s9"}));
  EXPECT_EQ(*r->not_on_or_after, 1'800'000'300);

  auto res = parse(build_logout_response("_p1", "https://idp.example/", "https://sp.example/slo", "_q1", kStatusSuccess,
                                         kStatusPartialLogout, 1'800'000'000),
                   64 * 1024);
  ASSERT_TRUE(res);
  auto p = read_logout_response(res->root());
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->in_response_to, "_q1");
  EXPECT_EQ(p->status, kStatusSuccess);
  EXPECT_EQ(p->second_status, kStatusPartialLogout);
  EXPECT_EQ(p->destination, "https://sp.example/slo");
  auto soap = parse(build_logout_response("_p2", "idp", "", "_q1", kStatusSuccess, "", 0), 64 * 1024);
  ASSERT_TRUE(soap);
  EXPECT_FALSE(attribute(soap->root(), "Destination")) << "no Destination by SOAP";
}

TEST(SamlLogout, ALogoutRequestInASoapBodyIsFound) {
  auto doc = parse(soap_envelope(kRequest), 64 * 1024);
  ASSERT_TRUE(doc);
  auto element = soap_body_element(*doc, "LogoutRequest");
  ASSERT_TRUE(element) << element.error();
  EXPECT_TRUE(read_logout_request(*element));
  EXPECT_FALSE(soap_body_element(*doc, "ArtifactResolve"));
  auto two = parse(soap_envelope(kRequest + kRequest), 64 * 1024);
  ASSERT_TRUE(two);
  EXPECT_FALSE(soap_body_element(*two, "LogoutRequest")) << "one message per body";
}

TEST(SamlSessionIndex, SealedForOneSpAndNameIdOnly) {
  const std::string key(32, 'k');
  const auto a = seal_session_index(key, "sid-1", "app-a", "n-1");
  const auto b = seal_session_index(key, "sid-1", "app-b", "n-1");
  EXPECT_NE(a, b) << "two SPs must not be able to correlate the person by SessionIndex";
  EXPECT_TRUE(a.starts_with('_'));
  EXPECT_EQ(open_session_index(key, a, "app-a", "n-1"), "sid-1");
  EXPECT_FALSE(open_session_index(key, a, "app-b", "n-1")) << "an SP naming another's SessionIndex";
  EXPECT_FALSE(open_session_index(key, a, "app-a", "n-2")) << "the SessionIndex with another principal's NameID";
  EXPECT_FALSE(open_session_index(std::string(32, 'x'), a, "app-a", "n-1")) << "another cluster's key";
  EXPECT_FALSE(open_session_index(key, "_" + a.substr(2), "app-a", "n-1"));
  EXPECT_FALSE(open_session_index(key, "", "app-a", "n-1"));
}

TEST(SamlSessionIndex, TheParticipantRecordReadsBack) {
  session::SsoSession s;
  s.participants = {{"oidc", "web", 1, ""},
                    slo_participant("app", "_s1", kNameIdEmail, "ada lovelace@example.com", 2),
                    {std::string(kSloProtocol), "broken", 3, "no-spaces"}};
  const auto targets = slo_targets(s);
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0].client_id, "app");
  EXPECT_EQ(targets[0].session_index, "_s1");
  EXPECT_EQ(targets[0].nameid_format, kNameIdEmail);
  EXPECT_EQ(targets[0].nameid, "ada lovelace@example.com") << "a NameID may hold spaces";
}

}  // namespace
}  // namespace gatehouse::saml
