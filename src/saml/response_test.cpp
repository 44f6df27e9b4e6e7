// Building Responses: the assertion's content, signatures where the SP asked for them (verified
// with the strict verifier), no value able to change the document's structure, status answers.
#include "saml/response.hpp"

#include <gtest/gtest.h>

#include "saml/dsig.hpp"
#include "saml/protocol.hpp"
#include "saml/testing/fixtures.hpp"

namespace gatehouse::saml {
namespace {

AssertionFacts facts() {
  AssertionFacts f;
  f.idp_entity_id = "https://idp.example.com/saml/metadata";
  f.sp_entity_id = "https://sp.example.com/sp";
  f.acs_url = "https://sp.example.com/acs";
  f.in_response_to = "_req1";
  f.nameid_format = std::string(kNameIdPersistent);
  f.nameid = "p-123";
  f.name_qualifier = f.idp_entity_id;
  f.sp_name_qualifier = f.sp_entity_id;
  f.now = 1'800'000'000;
  f.auth_instant = 1'799'999'000;
  f.session_index = "_s1";
  f.authn_class = std::string(kClassPasswordProtectedTransport);
  f.attributes = {{"urn:oid:0.9.2342.19200300.100.1.3", "mail", {"ada@example.com"}},
                  {"urn:oid:2.16.840.1.113730.3.1.241", "displayName", {"Ada </saml:AttributeValue><saml:Evil/> & Co"}},
                  {"urn:oid:2.5.4.42", "givenName", {}}};
  return f;
}

Document parsed(const std::string& text) {
  auto doc = parse(text, 1 << 20);
  EXPECT_TRUE(doc) << (doc ? "" : doc.error());
  return std::move(*doc);
}

TEST(SamlResponse, TheAssertionSaysWhatTheFactsSayAndItsSignatureVerifies) {
  const auto key = testing::make_test_key(jose::Algorithm::kRS256, "idp");
  Protection p;
  p.key = &key.signing;
  auto built = build_response(facts(), p);
  ASSERT_TRUE(built) << built.error();
  auto doc = parsed(*built);
  xmlNodePtr response = doc.root();
  EXPECT_EQ(attribute(response, "Destination"), "https://sp.example.com/acs");
  EXPECT_EQ(attribute(response, "InResponseTo"), "_req1");
  auto* status = first_child(first_child(response, kNsProtocol, "Status"), kNsProtocol, "StatusCode");
  EXPECT_EQ(attribute(status, "Value"), std::string(kStatusSuccess));
  auto assertion = exactly_one_child(response, kNsAssertion, "Assertion");
  ASSERT_TRUE(assertion);
  EXPECT_TRUE(verify_enveloped(doc, *assertion, {key.trusted})) << "the assertion is signed";
  EXPECT_EQ(first_child(response, kNsDsig, "Signature"), nullptr) << "the response is not (saml_sign assertion)";
  auto* subject = first_child(*assertion, kNsAssertion, "Subject");
  auto* nameid = first_child(subject, kNsAssertion, "NameID");
  EXPECT_EQ(text(nameid), "p-123");
  EXPECT_EQ(attribute(nameid, "Format"), std::string(kNameIdPersistent));
  EXPECT_EQ(attribute(nameid, "SPNameQualifier"), "https://sp.example.com/sp");
  auto* data = first_child(first_child(subject, kNsAssertion, "SubjectConfirmation"), kNsAssertion, "SubjectConfirmationData");
  EXPECT_EQ(attribute(data, "Recipient"), "https://sp.example.com/acs");
  EXPECT_EQ(attribute(data, "InResponseTo"), "_req1");
  EXPECT_EQ(attribute(data, "NotOnOrAfter"), "2027-01-15T08:05:00Z");
  auto* conditions = first_child(*assertion, kNsAssertion, "Conditions");
  EXPECT_EQ(attribute(conditions, "NotBefore"), "2027-01-15T07:59:00Z");
  EXPECT_EQ(text(first_child(first_child(conditions, kNsAssertion, "AudienceRestriction"), kNsAssertion, "Audience")),
            "https://sp.example.com/sp");
  auto* authn = first_child(*assertion, kNsAssertion, "AuthnStatement");
  EXPECT_EQ(attribute(authn, "SessionIndex"), "_s1");
  EXPECT_EQ(attribute(authn, "AuthnInstant"), "2027-01-15T07:43:20Z");
  auto attributes = children(first_child(*assertion, kNsAssertion, "AttributeStatement"), kNsAssertion, "Attribute");
  ASSERT_EQ(attributes.size(), 2u) << "an attribute without values is left out";
  EXPECT_EQ(attribute(attributes[1], "FriendlyName"), "displayName");
  EXPECT_EQ(text(attributes[1]), "Ada </saml:AttributeValue><saml:Evil/> & Co") << "a value stays a value";
  EXPECT_EQ(children(attributes[1], kNsAssertion, "AttributeValue").size(), 1u);
}

TEST(SamlResponse, TheResponseIsSignedWhenAskedAndBothWhenBoth) {
  const auto key = testing::make_test_key(jose::Algorithm::kES256, "idp");
  Protection p;
  p.key = &key.signing;
  p.sign_assertion = true;
  p.sign_response = true;
  auto built = build_response(facts(), p);
  ASSERT_TRUE(built) << built.error();
  auto doc = parsed(*built);
  EXPECT_TRUE(verify_enveloped(doc, doc.root(), {key.trusted}));
  auto assertion = exactly_one_child(doc.root(), kNsAssertion, "Assertion");
  ASSERT_TRUE(assertion);
  EXPECT_TRUE(verify_enveloped(doc, *assertion, {key.trusted})) << "the assertion's signature survived the response's";
  p.sign_assertion = false;
  auto response_only = parsed(*build_response(facts(), p));
  EXPECT_EQ(first_child(*exactly_one_child(response_only.root(), kNsAssertion, "Assertion"), kNsDsig, "Signature"), nullptr);
}

TEST(SamlResponse, TheEncryptionStepRunsAfterTheAssertionIsSigned) {
  const auto key = testing::make_test_key(jose::Algorithm::kRS256, "idp");
  Protection p;
  p.key = &key.signing;
  bool saw_signature = false;
  p.encrypt = [&](Document&, xmlNodePtr assertion) -> Result<void, std::string> {
    saw_signature = first_child(assertion, kNsDsig, "Signature") != nullptr;
    return unexpected(std::string("no key"));
  };
  auto built = build_response(facts(), p);
  ASSERT_FALSE(built) << "a failed encryption never sends the assertion in the clear";
  EXPECT_TRUE(saw_signature);
}

TEST(SamlResponse, AStatusResponseCarriesTheCodesAndNoAssertion) {
  auto built = build_status_response("https://idp.example.com/saml/metadata", "https://sp.example.com/acs", "_req1",
                                     kStatusResponder, kStatusNoPassive, "no <session>", 1'800'000'000, {});
  ASSERT_TRUE(built) << built.error();
  auto doc = parsed(*built);
  auto* top = first_child(first_child(doc.root(), kNsProtocol, "Status"), kNsProtocol, "StatusCode");
  EXPECT_EQ(attribute(top, "Value"), std::string(kStatusResponder));
  EXPECT_EQ(attribute(first_child(top, kNsProtocol, "StatusCode"), "Value"), std::string(kStatusNoPassive));
  EXPECT_EQ(text(first_child(first_child(doc.root(), kNsProtocol, "Status"), kNsProtocol, "StatusMessage")), "no <session>");
  EXPECT_EQ(first_child(doc.root(), kNsAssertion, "Assertion"), nullptr);
}

}  // namespace
}  // namespace gatehouse::saml
