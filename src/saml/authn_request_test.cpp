// Reading AuthnRequests: everything the front door acts on, and each shape that is refused.
#include "saml/authn_request.hpp"

#include <gtest/gtest.h>

namespace gatehouse::saml {
namespace {

std::string request(const std::string& attributes, const std::string& body) {
  return "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
         "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" " +
         attributes + ">" + body + "</samlp:AuthnRequest>";
}
const std::string kBase = "ID=\"_r1\" Version=\"2.0\" IssueInstant=\"2027-01-15T08:00:00Z\"";
const std::string kIssuer = "<saml:Issuer>https://sp.example.com/sp</saml:Issuer>";

Result<AuthnRequest, std::string> read(const std::string& text) {
  auto doc = parse(text, 64 * 1024);
  if (!doc) return unexpected("parse: " + doc.error());
  return read_authn_request(*doc);
}

TEST(SamlAuthnRequest, AFullRequestIsRead) {
  auto r = read(request(kBase + " Destination=\"https://idp.example.com/saml/sso\" ForceAuthn=\"true\" IsPassive=\"0\" "
                                "AssertionConsumerServiceURL=\"https://sp.example.com/acs\" "
                                "ProtocolBinding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\"",
                        kIssuer +
                            "<samlp:NameIDPolicy Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent\" "
                            "AllowCreate=\"true\" SPNameQualifier=\"urn:aff\"/>"
                            "<samlp:RequestedAuthnContext Comparison=\"minimum\">"
                            "<saml:AuthnContextClassRef>https://refeds.org/profile/mfa</saml:AuthnContextClassRef>"
                            "</samlp:RequestedAuthnContext>"));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->id, "_r1");
  EXPECT_EQ(r->issuer, "https://sp.example.com/sp");
  EXPECT_EQ(r->issue_instant, 1'800'000'000);
  EXPECT_EQ(r->destination, "https://idp.example.com/saml/sso");
  EXPECT_TRUE(r->force_authn);
  EXPECT_FALSE(r->is_passive);
  EXPECT_EQ(r->acs_url, "https://sp.example.com/acs");
  EXPECT_EQ(r->protocol_binding, "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST");
  EXPECT_FALSE(r->acs_index);
  EXPECT_EQ(r->nameid_format, "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent");
  EXPECT_EQ(r->allow_create, true);
  EXPECT_EQ(r->sp_name_qualifier, "urn:aff");
  ASSERT_TRUE(r->requested_context);
  EXPECT_EQ(r->requested_context->comparison, "minimum");
  EXPECT_EQ(r->requested_context->classes, std::vector<std::string>{"https://refeds.org/profile/mfa"});
  EXPECT_FALSE(r->has_signature);
}

TEST(SamlAuthnRequest, AMinimalRequestHasTheDefaults) {
  auto r = read(request(kBase + " AssertionConsumerServiceIndex=\"2\"", kIssuer));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->acs_index, 2);
  EXPECT_EQ(r->acs_url, "");
  EXPECT_FALSE(r->force_authn);
  EXPECT_FALSE(r->allow_create);
  EXPECT_FALSE(r->requested_context);
}

TEST(SamlAuthnRequest, EachBadShapeIsRefusedWithAReason) {
  struct Case {
    std::string text;
    const char* mention;
  };
  const Case cases[] = {
      {"<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"/>", "not an AuthnRequest"},
      {request("ID=\"_r1\" Version=\"1.1\" IssueInstant=\"2027-01-15T08:00:00Z\"", kIssuer), "Version"},
      {request("ID=\"1r\" Version=\"2.0\" IssueInstant=\"2027-01-15T08:00:00Z\"", kIssuer), "NCName"},
      {request("Version=\"2.0\" IssueInstant=\"2027-01-15T08:00:00Z\"", kIssuer), "NCName"},
      {request("ID=\"_r1\" Version=\"2.0\" IssueInstant=\"2027-01-15T09:00:00+01:00\"", kIssuer), "IssueInstant"},
      {request(kBase, ""), "Issuer"},
      {request(kBase, kIssuer + kIssuer), "Issuer"},
      {request(kBase, "<saml:Issuer Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress\">a@b</saml:Issuer>"),
       "Format"},
      {request(kBase + " ForceAuthn=\"yes\"", kIssuer), "ForceAuthn"},
      {request(kBase + " AssertionConsumerServiceIndex=\"1\" AssertionConsumerServiceURL=\"https://sp.example.com/acs\"",
               kIssuer),
       "neither"},
      {request(kBase + " AssertionConsumerServiceIndex=\"-1\"", kIssuer), "unsigned short"},
      {request(kBase + " AssertionConsumerServiceIndex=\"70000\"", kIssuer), "unsigned short"},
      {request(kBase, kIssuer + "<samlp:NameIDPolicy/><samlp:NameIDPolicy/>"), "NameIDPolicy"},
      {request(kBase, kIssuer + "<samlp:NameIDPolicy AllowCreate=\"maybe\"/>"), "AllowCreate"},
      {request(kBase, kIssuer + "<samlp:RequestedAuthnContext Comparison=\"most\"><saml:AuthnContextClassRef>x"
                                "</saml:AuthnContextClassRef></samlp:RequestedAuthnContext>"),
       "Comparison"},
      {request(kBase, kIssuer + "<samlp:RequestedAuthnContext><saml:AuthnContextDeclRef>x</saml:AuthnContextDeclRef>"
                                "</samlp:RequestedAuthnContext>"),
       "DeclRef"},
      {request(kBase, kIssuer + "<samlp:RequestedAuthnContext/>"), "AuthnContextClassRef"},
      {request(kBase, "<saml:Subject><saml:NameID>ada</saml:NameID></saml:Subject>" + kIssuer), "Subject"},
  };
  for (const auto& c : cases) {
    auto r = read(c.text);
    ASSERT_FALSE(r) << c.text;
    EXPECT_NE(r.error().find(c.mention), std::string::npos) << c.text << " -> " << r.error();
  }
}

}  // namespace
}  // namespace gatehouse::saml
