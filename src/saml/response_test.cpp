// Building Responses: the assertion's content, signatures where the SP asked for them (verified
// with the strict verifier), no value able to change the document's structure, status answers.
#include "saml/response.hpp"

#include <gtest/gtest.h>
#include <libxml/c14n.h>

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

/// libxml2's exclusive canonical form of the whole document (its root and everything under it).
std::string exclusive_c14n(const Document& doc) {
  xmlChar* out = nullptr;
  const int n = xmlC14NDocDumpMemory(doc.get(), nullptr, XML_C14N_EXCLUSIVE_1_0, nullptr, 0, &out);
  std::string text = n < 0 ? std::string("(c14n failed)") : std::string(reinterpret_cast<const char*>(out), n);
  xmlFree(out);
  return text;
}

/// The text between `open` and the next `close` after it, or "".
std::string between(const std::string& text, std::string_view open, std::string_view close) {
  const auto at = text.find(open);
  if (at == std::string::npos) return "";
  const auto from = at + open.size();
  return text.substr(from, text.find(close, from) - from);
}

TEST(SamlResponse, IsWrittenInExclusiveCanonicalFormSignedOrNot) {
  // The signatures are made over the text as written (sign_canonical): it must be exactly what
  // an SP's canonicalizer makes of it, for the Response and, parsed alone, for the Assertion.
  const auto key = testing::make_test_key(jose::Algorithm::kRS256, "idp");
  auto f = facts();
  f.attributes.push_back({"urn:oid:2.5.4.4", "sn", {"tab\there, line\nbreak, cr\r, \"quoted\" 'single' >gt<", "\x01\xff\xef\xbf\xbe ok"}});
  f.nameid = "a&b<c>\"d\"";
  for (const bool sign : {false, true}) {
    Protection p;
    p.key = sign ? &key.signing : nullptr;
    p.sign_response = true;
    auto built = build_response(f, p);
    ASSERT_TRUE(built) << built.error();
    EXPECT_EQ(exclusive_c14n(parsed(*built)), *built) << "signed " << sign;
    const auto assertion = "<saml:Assertion" + between(*built, "<saml:Assertion", "</saml:Assertion>") + "</saml:Assertion>";
    EXPECT_EQ(exclusive_c14n(parsed(assertion)), assertion) << "signed " << sign;
  }
  auto status = build_status_response("https://idp.example.com/x?a=1&b=2", "https://sp.example.com/acs", "_r",
                                      kStatusRequester, kStatusInvalidNameIdPolicy, "no <such> \"format\"", 1'800'000'000, {});
  ASSERT_TRUE(status);
  EXPECT_EQ(exclusive_c14n(parsed(*status)), *status);
}

TEST(SamlResponse, ValuesXmlCannotCarryBecomeReplacementCharacters) {
  auto f = facts();
  f.attributes = {{"urn:oid:2.5.4.4", "sn", {std::string("a\x01" "b\xff" "c\xef\xbf\xbf" "d\xed\xa0\x80" "e\tf\r\ng")}}};
  auto built = build_response(f, {});
  ASSERT_TRUE(built) << built.error();
  auto doc = parsed(*built);
  auto assertion = exactly_one_child(doc.root(), kNsAssertion, "Assertion");
  ASSERT_TRUE(assertion);
  auto attrs = children(first_child(*assertion, kNsAssertion, "AttributeStatement"), kNsAssertion, "Attribute");
  ASSERT_EQ(attrs.size(), 1u);
  // A control character, a byte that is not UTF-8 and U+FFFF each become one U+FFFD, an encoded
  // surrogate (not UTF-8) one per byte;
  // tab, CR and LF stay as they were (CR escaped, so no parser turns CR LF into LF).
  EXPECT_EQ(text(attrs[0]), "a\uFFFDb\uFFFDc\uFFFDd\uFFFD\uFFFD\uFFFDe\tf\r\ng");
}

TEST(SamlResponse, AResponseOverFourMebibytesIsNotMade) {
  auto f = facts();
  f.attributes = {{"urn:oid:2.5.4.4", "sn", {std::string(5 * 1024 * 1024, 'a')}}};
  auto built = build_response(f, {});
  ASSERT_FALSE(built);
  EXPECT_NE(built.error().find("too large"), std::string::npos) << built.error();
}

TEST(SamlResponse, ACanonicalSignatureDigestsWhatXmlsecDigestsAndVerifies) {
  // The same digest of the same element; and the signature verifies with the strict verifier
  // (xmlsec's own SignedInfo has line breaks between its elements, so its bytes differ).
  const auto key = testing::make_test_key(jose::Algorithm::kRS256, "idp");
  const std::string head =
      "<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_a1\" IssueInstant=\"2027-01-15T08:00:00Z\" "
      "Version=\"2.0\"><saml:Issuer>https://idp.example.com/saml/metadata</saml:Issuer>";
  const std::string tail = "<saml:Subject><saml:NameID Format=\"f\">n &amp; m</saml:NameID></saml:Subject></saml:Assertion>";
  auto fast = sign_canonical(head, tail, "_a1", key.signing);
  ASSERT_TRUE(fast) << fast.error();
  auto doc = parsed(head + tail);
  ASSERT_TRUE(sign_enveloped(doc, doc.root(), key.signing));
  const auto slow = serialize(doc);
  const auto digest = between(*fast, "<ds:DigestValue>", "<");
  EXPECT_FALSE(digest.empty());
  EXPECT_EQ(digest, between(slow, "<ds:DigestValue>", "<"));
  auto reparsed = parsed(*fast);
  EXPECT_TRUE(verify_enveloped(reparsed, reparsed.root(), {key.trusted}));
  EXPECT_FALSE(sign_canonical(head, tail, "not an id", key.signing)) << "an ID that is not an NCName";
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
