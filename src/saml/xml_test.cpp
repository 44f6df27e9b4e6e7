#include "saml/xml.hpp"

#include <string>

#include <gtest/gtest.h>

namespace gatehouse::saml {
namespace {

constexpr std::size_t kCap = 64 * 1024;

constexpr std::string_view kAuthnRequest =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"
    ID="_a1b2c3" Version="2.0" IssueInstant="2024-01-01T00:00:00Z" Destination="https://idp.example/saml/sso">
  <saml:Issuer>https://sp.example/metadata</saml:Issuer>
  <samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent" AllowCreate="true"/>
</samlp:AuthnRequest>)";

std::string refusal(std::string_view xml, std::size_t cap = kCap) {
  auto r = parse(xml, cap);
  return r ? std::string("accepted") : r.error();
}

TEST(SamlXml, ParsesAnAuthnRequestAndNavigates) {
  auto doc = parse(kAuthnRequest, kCap);
  ASSERT_TRUE(doc) << doc.error();
  xmlNodePtr root = doc->root();
  EXPECT_TRUE(is_element(root, kNsProtocol, "AuthnRequest"));
  EXPECT_EQ(namespace_of(root), kNsProtocol);
  EXPECT_EQ(local_name(root), "AuthnRequest");
  EXPECT_EQ(attribute(root, "ID").value_or(""), "_a1b2c3");
  EXPECT_FALSE(attribute(root, "Missing").has_value());
  auto issuer = exactly_one_child(root, kNsAssertion, "Issuer");
  ASSERT_TRUE(issuer);
  EXPECT_EQ(text(*issuer), "https://sp.example/metadata");
  EXPECT_EQ(first_child(root, kNsProtocol, "NameIDPolicy"), children(root, kNsProtocol, "NameIDPolicy").at(0));
  EXPECT_EQ(child_elements(root).size(), 2u);
  EXPECT_EQ(first_child(root, kNsAssertion, "NameIDPolicy"), nullptr);  // right name, wrong namespace
  auto none = at_most_one_child(root, kNsProtocol, "Scoping");
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, nullptr);
  EXPECT_FALSE(exactly_one_child(root, kNsProtocol, "Scoping"));
}

TEST(SamlXml, ExactlyOneRefusesDuplicates) {
  auto doc = parse(R"(<r xmlns:s="urn:oasis:names:tc:SAML:2.0:assertion"><s:Issuer>a</s:Issuer><s:Issuer>b</s:Issuer></r>)", kCap);
  ASSERT_TRUE(doc);
  auto one = exactly_one_child(doc->root(), kNsAssertion, "Issuer");
  ASSERT_FALSE(one);
  EXPECT_EQ(one.error(), "more than one Issuer element");
  EXPECT_FALSE(at_most_one_child(doc->root(), kNsAssertion, "Issuer"));
}

TEST(SamlXml, RefusesADoctype) {
  EXPECT_EQ(refusal("<!DOCTYPE r><r/>"), "XML refused: a DOCTYPE (DTDs are refused)");
}

TEST(SamlXml, RefusesBillionLaughs) {
  const std::string xml = R"(<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<lolz>&lol2;</lolz>)";
  EXPECT_EQ(refusal(xml), "XML refused: a DOCTYPE (DTDs are refused)");
}

TEST(SamlXml, RefusesAnExternalEntity) {
  const std::string xml = R"(<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>)";
  EXPECT_EQ(refusal(xml), "XML refused: a DOCTYPE (DTDs are refused)");
  // Without the DOCTYPE the entity is undeclared: not well-formed, and nothing is read.
  const std::string bare = refusal("<r>&x;</r>");
  EXPECT_NE(bare.find("not well-formed"), std::string::npos) << bare;
  EXPECT_EQ(bare.find("root:"), std::string::npos);
}

TEST(SamlXml, RefusesAnEntityDeclarationAlone) {
  EXPECT_EQ(refusal(R"(<r><!ENTITY x "y"></r>)"), "XML refused: an ENTITY declaration (DTDs are refused)");
}

TEST(SamlXml, RefusesXInclude) {
  const std::string xml =
      R"(<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd" parse="text"/></r>)";
  EXPECT_EQ(refusal(xml), "XML refused: an XInclude element (refused)");
}

TEST(SamlXml, RefusesUtf16AndOtherEncodings) {
  const std::string utf16_bom = std::string("\xFF\xFE", 2) + std::string("<\0r\0/\0>\0", 8);
  EXPECT_NE(refusal(utf16_bom).find("UTF-16"), std::string::npos);
  const std::string utf16_no_bom = std::string("<\0r\0/\0>\0", 8);
  EXPECT_NE(refusal(utf16_no_bom).find("NUL byte"), std::string::npos);
  EXPECT_EQ(refusal("\xFE\xFF<r/>"), "XML refused: a UTF-16 byte order mark (only UTF-8 is accepted)");
  EXPECT_EQ(refusal(R"(<?xml version="1.0" encoding="ISO-8859-1"?><r/>)"), "XML refused: an encoding other than UTF-8");
  EXPECT_EQ(refusal(R"(<?xml version="1.0" encoding='utf-8'?><r/>)"), "accepted");
  EXPECT_EQ(refusal("\xEF\xBB\xBF<r/>"), "accepted");  // a UTF-8 byte order mark is fine
  EXPECT_NE(refusal("<r>\xC3\x28</r>").find("not well-formed"), std::string::npos);  // invalid UTF-8
}

TEST(SamlXml, RefusesProcessingInstructions) {
  EXPECT_EQ(refusal("<r><?evil data?></r>"), "XML refused: a processing instruction (refused)");
  EXPECT_EQ(refusal("<?xml-stylesheet href=\"x.xsl\"?><r/>"), "XML refused: a processing instruction (refused)");
  EXPECT_EQ(refusal("<r/><?after?>"), "XML refused: a processing instruction (refused)");
}

TEST(SamlXml, RefusesDepthOverTheCap) {
  std::string at_cap, over_cap;
  for (int i = 0; i < kMaxDepth; ++i) at_cap += "<a>";
  at_cap += "x";
  for (int i = 0; i < kMaxDepth; ++i) at_cap += "</a>";
  EXPECT_EQ(refusal(at_cap), "accepted");
  over_cap = "<b>" + at_cap + "</b>";
  EXPECT_EQ(refusal(over_cap), "XML refused: elements nested deeper than 64");
}

TEST(SamlXml, RefusesTooManyNodes) {
  std::string xml = "<r>";
  for (std::size_t i = 0; i < kMaxNodes / 2 + 1; ++i) xml += "<a/>x";
  xml += "</r>";
  EXPECT_EQ(refusal(xml, xml.size()), "XML refused: more than 100000 nodes");
}

TEST(SamlXml, RefusesTooBig) {
  const std::string xml = "<r>" + std::string(100, 'x') + "</r>";
  EXPECT_EQ(refusal(xml, xml.size()), "accepted");
  EXPECT_EQ(refusal(xml, xml.size() - 1), "XML refused: over 106 bytes");
}

TEST(SamlXml, RefusesMalformedAndEmpty) {
  EXPECT_NE(refusal("<r>").find("not well-formed"), std::string::npos);
  EXPECT_NE(refusal("").find("XML refused"), std::string::npos);
  EXPECT_NE(refusal("<a/><b/>").find("not well-formed"), std::string::npos);
}

TEST(SamlXml, RegisterIdResolvesAndRefusesDuplicates) {
  auto doc = parse(R"x(<r><a ID="_one"/><b ID="_two"><c ID="_one"/></b><d ID="xpointer(/)"/><e/></r>)x", kCap);
  ASSERT_TRUE(doc);
  auto elements = child_elements(doc->root());
  auto dup = register_id(*doc, elements[0]);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error(), "ID: \"_one\" appears on more than one element");
  ASSERT_TRUE(register_id(*doc, elements[1]));
  EXPECT_TRUE(register_id(*doc, elements[1]));  // the same element again: fine
  EXPECT_EQ(xmlGetID(doc->get(), reinterpret_cast<const xmlChar*>("_two"))->parent, elements[1]);
  EXPECT_EQ(register_id(*doc, elements[2]).error(), "ID: the value is not an NCName");
  EXPECT_EQ(register_id(*doc, elements[3]).error(), "ID: the element has no ID attribute");
}

TEST(SamlXml, RegisterIdRefusesAValueRegisteredElsewhere) {
  auto doc = parse(R"(<r><a ID="_x"/><b/></r>)", kCap);
  ASSERT_TRUE(doc);
  auto elements = child_elements(doc->root());
  ASSERT_TRUE(register_id(*doc, elements[0]));
  // An attacker-controlled copy added later (for example by a transform) carrying the same ID.
  xmlSetProp(elements[1], reinterpret_cast<const xmlChar*>("ID"), reinterpret_cast<const xmlChar*>("_x"));
  EXPECT_EQ(register_id(*doc, elements[1]).error(), "ID: \"_x\" is already registered for another element");
}

TEST(SamlXml, SerializesDocumentsAndElements) {
  auto doc = parse(kAuthnRequest, kCap);
  ASSERT_TRUE(doc);
  const std::string plain = serialize(*doc);
  EXPECT_TRUE(plain.starts_with("<samlp:AuthnRequest")) << plain;
  EXPECT_TRUE(serialize(*doc, true).starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
  auto again = parse(plain, kCap);  // round trip
  ASSERT_TRUE(again);
  EXPECT_EQ(serialize(*again), plain);
  xmlNodePtr issuer = first_child(doc->root(), kNsAssertion, "Issuer");
  EXPECT_EQ(serialize(*doc, issuer), "<saml:Issuer>https://sp.example/metadata</saml:Issuer>");
  EXPECT_EQ(serialize(Document{}), "");
}

TEST(SamlXml, DocumentIsMoveOnly) {
  auto doc = parse("<r/>", kCap);
  ASSERT_TRUE(doc);
  Document moved = std::move(*doc);
  EXPECT_NE(moved.root(), nullptr);
  EXPECT_EQ(doc->get(), nullptr);  // NOLINT: checking the moved-from state on purpose
  static_assert(!std::is_copy_constructible_v<Document>);
}

}  // namespace
}  // namespace gatehouse::saml
