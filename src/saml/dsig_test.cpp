#include "saml/dsig.hpp"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "saml/testing/fixtures.hpp"

namespace gatehouse::saml {
namespace {

using testing::TempDir;
using testing::TestKey;

constexpr std::size_t kCap = 256 * 1024;
constexpr std::string_view kAssertionNs = "urn:oasis:names:tc:SAML:2.0:assertion:Assertion";

// A Response carrying one Assertion; {SIG} is where a signature template goes (tool tests).
std::string response_xml(std::string_view signature_template = "", std::string_view assertion_id = "_a1") {
  return R"(<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0" IssueInstant="2024-01-01T00:00:00Z" Destination="https://sp.example/acs">
  <saml:Issuer>https://idp.example</saml:Issuer>
  <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
  <saml:Assertion ID=")" + std::string(assertion_id) + R"(" Version="2.0" IssueInstant="2024-01-01T00:00:00Z">
    <saml:Issuer>https://idp.example</saml:Issuer>)" + std::string(signature_template) + R"(
    <saml:Subject><saml:NameID>alice</saml:NameID></saml:Subject>
  </saml:Assertion>
</samlp:Response>)";
}

struct Template {
  std::string c14n = std::string(kExcC14n);
  std::string method = std::string(kRsaSha256);
  std::string digest = std::string(kSha256);
  std::string uri = "#_a1";
  std::string extra_transform;  // appended after exc-c14n
};

std::string signature_template(const Template& t) {
  return R"(<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm=")" +
         t.c14n + R"("/><ds:SignatureMethod Algorithm=")" + t.method + R"("/><ds:Reference URI=")" + t.uri +
         R"("><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>)" +
         t.extra_transform + R"(</ds:Transforms><ds:DigestMethod Algorithm=")" + t.digest +
         R"("/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/></ds:Signature>)";
}

class SamlDsig : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new TestKey(testing::make_test_key(jose::Algorithm::kRS256, "idp.example"));
    rsa_other_ = new TestKey(testing::make_test_key(jose::Algorithm::kRS256, "other.example"));
    ec_ = new TestKey(testing::make_test_key(jose::Algorithm::kES256, "idp-ec.example"));
  }
  static void TearDownTestSuite() { delete rsa_; delete rsa_other_; delete ec_; }

  static Document parsed(std::string_view xml) {
    auto doc = parse(xml, kCap);
    if (!doc) throw std::runtime_error(doc.error());
    return std::move(*doc);
  }
  static xmlNodePtr assertion_of(const Document& doc) { return first_child(doc.root(), kNsAssertion, "Assertion"); }

  // A Response whose Assertion we signed, as text (the attacks edit the text and parse again).
  static std::string signed_response(const TestKey& key) {
    Document doc = parsed(response_xml());
    auto r = sign_enveloped(doc, assertion_of(doc), key.signing);
    if (!r) throw std::runtime_error(r.error());
    return serialize(doc);
  }
  static std::string verify_text(const std::string& xml, const std::vector<TrustedKey>& keys) {
    Document doc = parsed(xml);
    auto r = verify_enveloped(doc, assertion_of(doc), keys);
    return r ? std::string("verified") : r.error();
  }
  static std::string replaced(std::string text, std::string_view from, std::string_view to) {
    const auto at = text.find(from);
    if (at == std::string::npos) throw std::runtime_error("fixture: " + std::string(from) + " not found");
    return text.replace(at, from.size(), to);
  }
  // Signs response_xml(signature_template(t)) with the xmlsec1 tool and the given key.
  static std::string tool_signed(const TempDir& dir, const Template& t, const TestKey& key) {
    dir.write("template.xml", response_xml(signature_template(t)));
    dir.write("key.pem", testing::pem("PRIVATE KEY", key.private_der));
    const bool ok = testing::run_xmlsec1(dir, "--sign --privkey-pem " + dir.path("key.pem") + " --id-attr:ID " +
                                                  std::string(kAssertionNs) + " --output " + dir.path("signed.xml") +
                                                  " " + dir.path("template.xml"));
    if (!ok) throw std::runtime_error("xmlsec1 --sign failed: " + dir.read("xmlsec1.log"));
    return dir.read("signed.xml");
  }

  static inline TestKey* rsa_ = nullptr;
  static inline TestKey* rsa_other_ = nullptr;
  static inline TestKey* ec_ = nullptr;
};

TEST_F(SamlDsig, SignThenVerifyRsa) {
  Document doc = parsed(response_xml());
  xmlNodePtr assertion = assertion_of(doc);
  ASSERT_TRUE(sign_enveloped(doc, assertion, rsa_->signing));
  // Placed right after saml:Issuer, with the certificate in KeyInfo.
  xmlNodePtr issuer = first_child(assertion, kNsAssertion, "Issuer");
  xmlNodePtr next = issuer->next;
  while (next != nullptr && next->type != XML_ELEMENT_NODE) next = next->next;
  ASSERT_TRUE(is_element(next, kNsDsig, "Signature"));
  const std::string text = serialize(doc);
  EXPECT_NE(text.find(std::string(kRsaSha256)), std::string::npos);
  EXPECT_NE(text.find("URI=\"#_a1\""), std::string::npos);
  EXPECT_NE(text.find("<ds:X509Certificate>"), std::string::npos);
  auto r = verify_enveloped(doc, assertion, {rsa_other_->trusted, rsa_->trusted});  // rotation: the second key
  EXPECT_TRUE(r) << r.error();
  EXPECT_EQ(verify_text(text, {rsa_->trusted}), "verified");  // and after a serialise/parse round trip
}

TEST_F(SamlDsig, SignThenVerifyEc) {
  const std::string text = signed_response(*ec_);
  EXPECT_NE(text.find(std::string(kEcdsaSha256)), std::string::npos);
  EXPECT_EQ(verify_text(text, {rsa_->trusted, ec_->trusted}), "verified");
  EXPECT_EQ(verify_text(text, {rsa_->trusted}), "signature: no trusted key of the type " + std::string(kEcdsaSha256) + " needs");
}

TEST_F(SamlDsig, SignsFirstWithoutIssuerAndRefusesTwice) {
  Document doc = parsed(R"(<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_l1"><samlp:Status/></samlp:LogoutResponse>)");
  ASSERT_TRUE(sign_enveloped(doc, doc.root(), rsa_->signing));
  EXPECT_TRUE(is_element(child_elements(doc.root()).at(0), kNsDsig, "Signature"));
  EXPECT_EQ(sign_enveloped(doc, doc.root(), rsa_->signing).error(), "sign: the element is already signed");
  EXPECT_TRUE(verify_enveloped(doc, doc.root(), {rsa_->trusted}));
  Document no_id = parsed("<r/>");
  EXPECT_EQ(sign_enveloped(no_id, no_id.root(), rsa_->signing).error(), "sign: ID: the element has no ID attribute");
  EXPECT_TRUE(child_elements(no_id.root()).empty());  // left as it was
}

TEST_F(SamlDsig, VerifiedByTheXmlsec1Tool) {
  if (!testing::have_xmlsec1_tool()) GTEST_SKIP() << "the xmlsec1 tool is missing (scripts/bootstrap installs it)";
  TempDir dir;
  for (const TestKey* key : {rsa_, ec_}) {
    dir.write("signed.xml", signed_response(*key));
    dir.write("cert.pem", testing::pem("CERTIFICATE", key->certificate_der));
    EXPECT_TRUE(testing::run_xmlsec1(dir, "--verify --pubkey-cert-pem " + dir.path("cert.pem") + " --id-attr:ID " +
                                              std::string(kAssertionNs) + " " + dir.path("signed.xml")))
        << dir.read("xmlsec1.log");
    // The tool notices tampering too, so the check above means something.
    dir.write("signed.xml", replaced(signed_response(*key), ">alice<", ">mallory<"));
    EXPECT_FALSE(testing::run_xmlsec1(dir, "--verify --pubkey-cert-pem " + dir.path("cert.pem") + " --id-attr:ID " +
                                               std::string(kAssertionNs) + " " + dir.path("signed.xml")));
  }
}

TEST_F(SamlDsig, VerifiesWhatTheXmlsec1ToolSigned) {
  if (!testing::have_xmlsec1_tool()) GTEST_SKIP() << "the xmlsec1 tool is missing (scripts/bootstrap installs it)";
  TempDir dir;
  EXPECT_EQ(verify_text(tool_signed(dir, Template{}, *rsa_), {rsa_->trusted}), "verified");
  Template ec;
  ec.method = std::string(kEcdsaSha512);
  ec.digest = std::string(kSha512);
  EXPECT_EQ(verify_text(tool_signed(dir, ec, *ec_), {ec_->trusted}), "verified");
}

TEST_F(SamlDsig, RefusesAlgorithmsOffTheAllowListEvenWhenValid) {
  if (!testing::have_xmlsec1_tool()) GTEST_SKIP() << "the xmlsec1 tool is missing (scripts/bootstrap installs it)";
  TempDir dir;
  Template sha1;
  sha1.method = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
  EXPECT_EQ(verify_text(tool_signed(dir, sha1, *rsa_), {rsa_->trusted}),
            "signature: signature method refused: http://www.w3.org/2000/09/xmldsig#rsa-sha1");
  Template digest_sha1;
  digest_sha1.digest = "http://www.w3.org/2000/09/xmldsig#sha1";
  EXPECT_EQ(verify_text(tool_signed(dir, digest_sha1, *rsa_), {rsa_->trusted}),
            "signature: digest method refused: http://www.w3.org/2000/09/xmldsig#sha1");
  Template comments;
  comments.c14n = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";
  EXPECT_EQ(verify_text(tool_signed(dir, comments, *rsa_), {rsa_->trusted}),
            "signature: CanonicalizationMethod is not exclusive c14n without comments: "
            "http://www.w3.org/2001/10/xml-exc-c14n#WithComments");
  Template xpath;
  xpath.extra_transform = R"(<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><ds:XPath>not(ancestor-or-self::saml:Subject)</ds:XPath></ds:Transform>)";
  EXPECT_EQ(verify_text(tool_signed(dir, xpath, *rsa_), {rsa_->trusted}), "signature: not exactly two transforms");
}

TEST_F(SamlDsig, RefusesTamperedContentAndWrongKey) {
  const std::string good = signed_response(*rsa_);
  EXPECT_EQ(verify_text(replaced(good, ">alice<", ">mallory<"), {rsa_->trusted}),
            "signature: does not verify with any trusted key");
  EXPECT_EQ(verify_text(good, {rsa_other_->trusted}), "signature: does not verify with any trusted key");
  EXPECT_EQ(verify_text(good, {}), "signature: no trusted key");
}

TEST_F(SamlDsig, NeverTakesTheKeyFromKeyInfo) {
  // Signed by "other" with its certificate in KeyInfo; only rsa_ is trusted.
  const std::string text = signed_response(*rsa_other_);
  ASSERT_NE(text.find("<ds:X509Certificate>"), std::string::npos);
  EXPECT_EQ(verify_text(text, {rsa_->trusted}), "signature: does not verify with any trusted key");
}

TEST_F(SamlDsig, RefusesStructuralAttacks) {
  const std::string good = signed_response(*rsa_);
  const std::string reference = good.substr(good.find("<ds:Reference"), good.find("</ds:Reference>") + 15 - good.find("<ds:Reference"));
  EXPECT_EQ(verify_text(replaced(good, "</ds:Reference>", "</ds:Reference>" + reference), {rsa_->trusted}),
            "signature: SignedInfo is not CanonicalizationMethod, SignatureMethod and one Reference");
  EXPECT_EQ(verify_text(replaced(good, "URI=\"#_a1\"", "URI=\"\""), {rsa_->trusted}),
            "signature: the Reference has no URI (the whole document) ");
  EXPECT_EQ(verify_text(replaced(good, "URI=\"#_a1\"", "URI=\"#_r1\""), {rsa_->trusted}),
            "signature: the Reference points at #_r1, not at the element");
  EXPECT_EQ(verify_text(replaced(good, std::string(kRsaSha256), "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"), {rsa_->trusted}),
            "signature: signature method refused: http://www.w3.org/2001/04/xmldsig-more#hmac-sha256");
  const std::string signature = good.substr(good.find("<ds:Signature"), good.find("</ds:Signature>") + 15 - good.find("<ds:Signature"));
  EXPECT_EQ(verify_text(replaced(good, "</ds:Signature>", "</ds:Signature>" + signature), {rsa_->trusted}),
            "signature: more than one Signature element");
  EXPECT_EQ(verify_text(replaced(good, "ID=\"_r1\"", "ID=\"_a1\""), {rsa_->trusted}),
            "signature: ID: \"_a1\" appears on more than one element");
  EXPECT_EQ(verify_text(replaced(good, "</ds:SignatureValue>", "</ds:SignatureValue><ds:Object/>"), {rsa_->trusted}),
            "signature: not SignedInfo, SignatureValue and an optional KeyInfo");
  EXPECT_EQ(verify_text(response_xml(), {rsa_->trusted}), "signature: no Signature element");
}

TEST_F(SamlDsig, RefusesSignatureWrapping) {
  const std::string good = signed_response(*rsa_);
  const auto begin = good.find("<saml:Assertion");
  const auto end = good.find("</saml:Assertion>") + 17;
  const std::string signed_assertion = good.substr(begin, end - begin);
  const std::string signature = good.substr(good.find("<ds:Signature"), good.find("</ds:Signature>") + 15 - good.find("<ds:Signature"));
  // The signed assertion hidden in Extensions, an unsigned one in its place carrying the moved
  // signature: its reference names the hidden one.
  const std::string evil_assertion = R"(<saml:Assertion ID="_evil" Version="2.0" IssueInstant="2024-01-01T00:00:00Z"><saml:Issuer>https://idp.example</saml:Issuer>)" +
                                     signature + R"(<saml:Subject><saml:NameID>admin</saml:NameID></saml:Subject></saml:Assertion>)";
  std::string wrapped = good;
  wrapped.replace(begin, end - begin, "<samlp:Extensions>" + signed_assertion + "</samlp:Extensions>" + evil_assertion);
  ASSERT_NE(wrapped.find("<samlp:Extensions><saml:Assertion ID=\"_a1\""), std::string::npos);
  EXPECT_EQ(verify_text(wrapped, {rsa_->trusted}), "signature: the Reference points at #_a1, not at the element");
  // The same with the unsigned assertion claiming the signed one's ID.
  EXPECT_EQ(verify_text(replaced(wrapped, "ID=\"_evil\"", "ID=\"_a1\""), {rsa_->trusted}),
            "signature: ID: \"_a1\" appears on more than one element");
  // The hidden signed assertion itself still verifies: the caller must consume only the element it verified.
  Document doc = parsed(wrapped);
  xmlNodePtr hidden = first_child(first_child(doc.root(), kNsProtocol, "Extensions"), kNsAssertion, "Assertion");
  EXPECT_TRUE(verify_enveloped(doc, hidden, {rsa_->trusted}));
}

TEST_F(SamlDsig, VerifiesOnManyThreadsAtOnce) {
  const std::string rsa_text = signed_response(*rsa_);
  const std::string ec_text = signed_response(*ec_);
  std::atomic<int> verified{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        if (verify_text(t % 2 ? rsa_text : ec_text, {rsa_->trusted, ec_->trusted}) == "verified") ++verified;
        Document doc = parsed(response_xml());
        if (sign_enveloped(doc, assertion_of(doc), t % 2 ? rsa_->signing : ec_->signing)) ++verified;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(verified.load(), 80);
}

}  // namespace
}  // namespace gatehouse::saml
