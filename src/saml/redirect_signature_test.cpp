#include "saml/redirect_signature.hpp"

#include <gtest/gtest.h>

#include "http/percent.hpp"
#include "saml/dsig.hpp"
#include "saml/encoding.hpp"
#include "saml/testing/fixtures.hpp"

namespace gatehouse::saml {
namespace {

using testing::TestKey;

constexpr std::size_t kCap = 16 * 1024;
constexpr std::string_view kRequest = R"(<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_q1"/>)";

class SamlRedirect : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new TestKey(testing::make_test_key(jose::Algorithm::kRS256, "sp.example"));
    ec_ = new TestKey(testing::make_test_key(jose::Algorithm::kES256, "sp-ec.example"));
  }
  static void TearDownTestSuite() { delete rsa_; delete ec_; }
  static std::string check(std::string_view query, const std::vector<TrustedKey>& keys) {
    auto parsed = parse_redirect_query(query, kCap);
    if (!parsed) return parsed.error();
    if (!parsed->sig_alg) return "unsigned";
    auto r = verify_redirect_signature(parsed->signed_octets, *parsed->sig_alg, parsed->signature, keys);
    return r ? "verified" : r.error();
  }
  static std::string replaced(std::string text, std::string_view from, std::string_view to) {
    const auto at = text.find(from);
    if (at == std::string::npos) throw std::runtime_error("fixture: " + std::string(from) + " not found");
    return text.replace(at, from.size(), to);
  }
  static inline TestKey* rsa_ = nullptr;
  static inline TestKey* ec_ = nullptr;
};

TEST_F(SamlRedirect, RoundTripRsaAndEc) {
  for (const TestKey* key : {rsa_, ec_}) {
    auto query = build_redirect_query("SAMLRequest", kRequest, "state/with spaces&more", &key->signing);
    ASSERT_TRUE(query) << query.error();
    EXPECT_EQ(check(*query, {rsa_->trusted, ec_->trusted}), "verified");
    auto parsed = parse_redirect_query(*query, kCap);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->relay_state.value_or(""), "state/with spaces&more");
    EXPECT_EQ(*parsed->sig_alg, signature_algorithm_of(key->signing));
    auto xml = inflate_raw(*base64_decode(parsed->message), kCap);
    ASSERT_TRUE(xml);
    EXPECT_EQ(*xml, kRequest);
  }
  EXPECT_EQ(ec_->signing.type(), KeyType::kEc);
  auto parsed = parse_redirect_query(*build_redirect_query("SAMLRequest", kRequest, "", &ec_->signing), kCap);
  EXPECT_EQ(parsed->signature.size(), 64u);  // r || s on P-256
}

TEST_F(SamlRedirect, TheSignatureCoversTheRawOctetsInOrder) {
  auto query = *build_redirect_query("SAMLResponse", kRequest, "abc", &rsa_->signing);
  // Parameters the binding does not sign may come anywhere; the signed ones keep their order.
  EXPECT_EQ(check("extra=1&" + query + "&more=2", {rsa_->trusted}), "verified");
  auto parsed = parse_redirect_query(query, kCap);
  EXPECT_EQ(parsed->signed_octets, query.substr(0, query.find("&Signature=")));
}

TEST_F(SamlRedirect, RefusesTamperingWrongKeyAndWrongSigAlg) {
  const std::string query = *build_redirect_query("SAMLRequest", kRequest, "abc", &rsa_->signing);
  EXPECT_EQ(check(replaced(query, "RelayState=abc", "RelayState=abd"), {rsa_->trusted}),
            "redirect signature: does not verify with any trusted key");
  EXPECT_EQ(check(query, {testing::make_test_key(jose::Algorithm::kRS256, "x").trusted}),
            "redirect signature: does not verify with any trusted key");
  const std::string rsa512 = http::percent_encode(kRsaSha512);
  EXPECT_EQ(check(replaced(query, http::percent_encode(kRsaSha256), rsa512), {rsa_->trusted}),
            "redirect signature: does not verify with any trusted key");
  EXPECT_EQ(check(replaced(query, http::percent_encode(kRsaSha256), http::percent_encode("http://www.w3.org/2000/09/xmldsig#rsa-sha1")), {rsa_->trusted}),
            "redirect signature: SigAlg refused: http://www.w3.org/2000/09/xmldsig#rsa-sha1");
  EXPECT_EQ(check(replaced(query, http::percent_encode(kRsaSha256), http::percent_encode(kEcdsaSha256)), {rsa_->trusted}),
            "redirect signature: no trusted key of the type " + std::string(kEcdsaSha256) + " needs");
  // An HMAC "algorithm" is refused before any key is looked at.
  EXPECT_EQ(verify_redirect_signature("x", "http://www.w3.org/2000/09/xmldsig#hmac-sha1", "sig", {rsa_->trusted}).error(),
            "redirect signature: SigAlg refused: http://www.w3.org/2000/09/xmldsig#hmac-sha1");
}

TEST_F(SamlRedirect, RefusesMalformedQueries) {
  EXPECT_EQ(check("RelayState=x", {}), "redirect: not exactly one of SAMLRequest and SAMLResponse");
  EXPECT_EQ(check("SAMLRequest=a&SAMLResponse=b", {}), "redirect: not exactly one of SAMLRequest and SAMLResponse");
  EXPECT_EQ(check("SAMLRequest=a&SAMLRequest=b", {}), "redirect: SAMLRequest appears twice");
  EXPECT_EQ(check("SAMLRequest=a&RelayState=1&RelayState=2", {}), "redirect: RelayState appears twice");
  EXPECT_EQ(check("SAMLRequest=a&SigAlg=x", {}), "redirect: SigAlg and Signature must come together");
  EXPECT_EQ(check("SAMLRequest=a%G1", {}), "redirect: SAMLRequest is not valid URL encoding");
  EXPECT_EQ(check("SAMLRequest=a%4", {}), "redirect: SAMLRequest is not valid URL encoding");
  EXPECT_EQ(check("SAMLRequest=a&SigAlg=x&Signature=!!", {}), "redirect: SigAlg or Signature is not valid");
  EXPECT_EQ(check("SAMLRequest=a", {}), "unsigned");
  EXPECT_EQ(parse_redirect_query(std::string(kCap + 1, 'a'), kCap).error(), "redirect: query over 16384 bytes");
}

// The binding's query is form-encoded: "+" in a value is a space once decoded, while the signature
// stays over the octets as received ("+" and "%20" sign differently).
TEST(RedirectQuery, PlusIsASpaceInValuesButSignedAsReceived) {
  auto q = parse_redirect_query("SAMLRequest=a%2Bb&RelayState=x+y%2Fz", 1024);
  ASSERT_TRUE(q) << q.error();
  EXPECT_EQ(q->message, "a+b");
  EXPECT_EQ(q->relay_state.value_or("?"), "x y/z");
  EXPECT_EQ(q->signed_octets, "SAMLRequest=a%2Bb&RelayState=x+y%2Fz");
  EXPECT_EQ(http::percent_encode("a b/c+d=\xc3\xa9~"), "a%20b%2Fc%2Bd%3D%C3%A9~");
}

}  // namespace
}  // namespace gatehouse::saml
