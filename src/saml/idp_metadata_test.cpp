// The IdP's credentials and metadata: the same certificate from the same key on every node, the
// current and next keys published, the document signed and verifiable with the current key's
// certificate, and by the xmlsec1 tool.
#include "saml/idp_metadata.hpp"

#include <gtest/gtest.h>

#include "saml/dsig.hpp"
#include "saml/encoding.hpp"
#include "saml/protocol.hpp"
#include "saml/testing/fixtures.hpp"

namespace gatehouse::saml {
namespace {

keys::SigningKey key(const std::string& kid, keys::KeyState state, std::shared_ptr<const jose::KeyPair> pair) {
  return keys::SigningKey{kid, pair->algorithm(), state, std::move(pair)};
}

class IdpMetadataTest : public ::testing::Test {
 protected:
  std::shared_ptr<const jose::KeyPair> current_ = std::make_shared<jose::KeyPair>(jose::KeyPair::generate(jose::Algorithm::kRS256));
  std::shared_ptr<const jose::KeyPair> next_ = std::make_shared<jose::KeyPair>(jose::KeyPair::generate(jose::Algorithm::kRS256));
  std::shared_ptr<const jose::KeyPair> ec_ = std::make_shared<jose::KeyPair>(jose::KeyPair::generate(jose::Algorithm::kES256));
  keys::KeySet set_{{key("k-cur", keys::KeyState::kCurrent, current_), key("k-next", keys::KeyState::kNext, next_),
                     key("k-ec", keys::KeyState::kCurrent, ec_)}};
};

TEST_F(IdpMetadataTest, TwoNodesMakeTheSameCertificateFromTheSameKey) {
  IdpCredentials node_a("idp.example.com"), node_b("idp.example.com");
  auto a = node_a.signer(set_);
  auto b = node_b.signer(set_);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->kid, "k-cur") << "the RS256 key signs SAML";
  EXPECT_EQ(a->certificate_der, b->certificate_der);
  EXPECT_EQ(node_a.signer(set_), a) << "made once";
  auto trusted = TrustedKey::from_certificate_der(a->certificate_der);
  ASSERT_TRUE(trusted) << trusted.error();
  auto published = node_a.published(set_);
  ASSERT_EQ(published.size(), 2u);
  EXPECT_EQ(published[0]->kid, "k-cur");
  EXPECT_EQ(published[1]->kid, "k-next");
}

TEST_F(IdpMetadataTest, TheMetadataListsEveryEndpointAndBothKeysAndIsSigned) {
  IdpCredentials credentials("idp.example.com");
  const IdpEndpoints idp{"https://idp.example.com/saml/metadata", "https://idp.example.com"};
  auto signer = credentials.signer(set_);
  auto built = build_idp_metadata(idp, credentials.published(set_), signer.get(), 1'800'086'400, 3600);
  ASSERT_TRUE(built) << built.error();
  auto doc = parse(*built, 1 << 20);
  ASSERT_TRUE(doc) << doc.error();
  xmlNodePtr root = doc->root();
  EXPECT_EQ(attribute(root, "entityID"), idp.entity_id);
  EXPECT_EQ(attribute(root, "validUntil"), "2027-01-16T08:00:00Z");
  auto trusted = TrustedKey::from_certificate_der(signer->certificate_der);
  EXPECT_TRUE(verify_enveloped(*doc, root, {*trusted}));
  auto* descriptor = first_child(root, kNsMetadata, "IDPSSODescriptor");
  ASSERT_NE(descriptor, nullptr);
  auto keys = children(descriptor, kNsMetadata, "KeyDescriptor");
  ASSERT_EQ(keys.size(), 2u);
  auto next_cert = TrustedKey::from_certificate_base64(text(first_child(first_child(first_child(keys[1], kNsDsig, "KeyInfo"), kNsDsig, "X509Data"), kNsDsig, "X509Certificate")));
  EXPECT_TRUE(next_cert) << "the next key's certificate is published";
  auto sso = children(descriptor, kNsMetadata, "SingleSignOnService");
  ASSERT_EQ(sso.size(), 2u);
  EXPECT_EQ(attribute(sso[0], "Location"), "https://idp.example.com/saml/sso");
  auto slo = children(descriptor, kNsMetadata, "SingleLogoutService");
  ASSERT_EQ(slo.size(), 3u) << "Redirect, POST and SOAP";
  EXPECT_EQ(attribute(slo[2], "Binding"), kBindingSoap);
  EXPECT_EQ(attribute(slo[2], "Location"), "https://idp.example.com/saml/slo");
  EXPECT_EQ(children(descriptor, kNsMetadata, "NameIDFormat").size(), 4u);
  EXPECT_EQ(attribute(first_child(descriptor, kNsMetadata, "ArtifactResolutionService"), "Location"),
            "https://idp.example.com/saml/artifact");

  if (!testing::have_xmlsec1_tool()) GTEST_SKIP() << "xmlsec1 (the command line tool) is not installed";
  testing::TempDir dir;
  const auto file = dir.write("metadata.xml", *built);
  const auto cert = dir.write("idp.pem", testing::pem("CERTIFICATE", signer->certificate_der));
  EXPECT_TRUE(testing::run_xmlsec1(dir, "--verify --pubkey-cert-pem " + cert +
                                            " --id-attr:ID urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor " + file))
      << dir.read("xmlsec1.log");
}

}  // namespace
}  // namespace gatehouse::saml
