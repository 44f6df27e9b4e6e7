// Metadata fetched from saml_metadata_url: used only when signed by the registered key, still
// valid, and for the registered entityID. The documents are signed here with our own signer (the
// same XML Signature code the IdP's metadata uses); xmlsec1's CLI is not needed.
#include "saml/metadata_fetch.hpp"

#include <gtest/gtest.h>

#include "saml/dsig.hpp"
#include "saml/testing/fixtures.hpp"
#include "saml/testing/sp_metadata.hpp"

namespace gatehouse::saml {
namespace {

using testing::TestKey;

constexpr UnixSeconds kNow = 1'800'000'000;  // 2027-01-15T08:00:00Z
constexpr std::string_view kEntity = "https://sp.example/mellon/metadata";

class MetadataFetch : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    publisher_ = new TestKey(testing::make_test_key(jose::Algorithm::kRS256, "federation.example"));
    stranger_ = new TestKey(testing::make_test_key(jose::Algorithm::kRS256, "stranger.example"));
  }
  static void TearDownTestSuite() {
    delete publisher_;
    delete stranger_;
  }

  // The good SP metadata with an ID and the attributes given on its root, signed by `key` (none: unsigned).
  static std::string document(const TestKey* key, std::string_view root_attributes = "validUntil=\"2027-02-01T00:00:00Z\"",
                              std::string_view entity = kEntity) {
    std::string xml = testing::good_sp_metadata(entity);
    const std::string marker = "entityID=\"";
    xml.insert(xml.find(marker), "ID=\"_md1\" " + std::string(root_attributes) + " ");
    if (key == nullptr) return xml;
    auto doc = parse(xml, kMaxMetadataBytes);
    if (!doc) throw std::runtime_error(doc.error());
    if (auto ok = sign_enveloped(*doc, doc->root(), key->signing); !ok) throw std::runtime_error(ok.error());
    return serialize(*doc, false);
  }

  static Result<SpMetadata, std::string> accept(const std::string& bytes, std::string_view registered = kEntity) {
    return accept_fetched_metadata(bytes, publisher_->trusted, registered, kNow);
  }
  static std::string reason(const std::string& bytes, std::string_view registered = kEntity) {
    auto r = accept(bytes, registered);
    return r ? std::string("accepted") : r.error();
  }

  static TestKey* publisher_;
  static TestKey* stranger_;
};
TestKey* MetadataFetch::publisher_ = nullptr;
TestKey* MetadataFetch::stranger_ = nullptr;

TEST_F(MetadataFetch, SignedByTheRegisteredKeyIsAccepted) {
  auto m = accept(document(publisher_));
  ASSERT_TRUE(m) << m.error();
  EXPECT_EQ(m->entity_id, kEntity);
  EXPECT_FALSE(m->assertion_consumers.empty());
  EXPECT_TRUE(accept(document(publisher_), "")) << "the first document: no entityID registered yet";
  EXPECT_TRUE(accept(document(publisher_, "")) ) << "validUntil is optional";
}

TEST_F(MetadataFetch, UnsignedOrSignedByAnotherKeyIsNeverUsed) {
  EXPECT_EQ(reason(document(nullptr)), "metadata from its URL: not signed");
  EXPECT_EQ(reason(document(nullptr), ""), "metadata from its URL: not signed") << "not even the first one";
  EXPECT_NE(reason(document(stranger_)).find("does not verify with saml_metadata_signing_cert"), std::string::npos)
      << reason(document(stranger_));
  // Signed, then changed: an ACS location moved to another host.
  auto tampered = document(publisher_);
  const std::string from = "https://sp.example/mellon/postResponse";
  tampered.replace(tampered.find(from), from.size(), "https://evil.example/mellon/postResponse");
  EXPECT_NE(reason(tampered).find("does not verify"), std::string::npos) << reason(tampered);
}

TEST_F(MetadataFetch, ExpiredOrForAnotherEntityIsRefused) {
  EXPECT_EQ(reason(document(publisher_, "validUntil=\"2027-01-15T08:00:00Z\"")), "metadata from its URL: validUntil has passed");
  EXPECT_EQ(reason(document(publisher_, "validUntil=\"next week\"")), "metadata from its URL: validUntil is not a UTC instant");
  EXPECT_EQ(reason(document(publisher_, "validUntil=\"2027-02-01T00:00:00Z\"", "https://other.example/sp")),
            "metadata from its URL: its entityID 'https://other.example/sp' is not the registered "
            "'https://sp.example/mellon/metadata'");
  EXPECT_EQ(reason("<md:EntitiesDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\"/>"),
            "metadata from its URL: the root is not one md:EntityDescriptor");
  EXPECT_NE(reason("<!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>"), "accepted");
  EXPECT_NE(reason(std::string(kMaxMetadataBytes + 1, ' ')), "accepted");
}

TEST_F(MetadataFetch, TheSigningCertificateIsOnePemCertificate) {
  const auto pem = testing::pem("CERTIFICATE", publisher_->certificate_der);
  auto key = metadata_signing_key("issued by the federation\n" + pem);
  ASSERT_TRUE(key) << key.error();
  EXPECT_EQ(key->certificate_der(), publisher_->certificate_der);
  EXPECT_EQ(metadata_signing_key("").error(), "no PEM CERTIFICATE block");
  EXPECT_EQ(metadata_signing_key(pem + pem).error(), "more than one PEM certificate");
  EXPECT_EQ(metadata_signing_key(pem.substr(0, pem.size() / 2)).error(), "the PEM CERTIFICATE block has no end line");
  EXPECT_FALSE(metadata_signing_key("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
  const auto weak = "-----BEGIN CERTIFICATE-----\n" + std::string(testing::kWeakRsaCertificate) + "\n-----END CERTIFICATE-----\n";
  EXPECT_FALSE(metadata_signing_key(weak)) << "1024-bit RSA";
}

}  // namespace
}  // namespace gatehouse::saml
