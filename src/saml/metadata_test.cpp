#include "saml/metadata.hpp"

#include <string>

#include <gtest/gtest.h>

#include "saml/testing/sp_metadata.hpp"

namespace gatehouse::saml {
namespace {

using testing::good_sp_metadata;
using testing::key_descriptor;
using testing::kSpEndpoints;
using testing::rsa_certificate_base64;
using testing::sp_metadata;

constexpr std::string_view kPostAcs =
    R"(  <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example/acs" index="0"/>
)";

std::string refusal(std::string_view xml) {
  auto r = parse_sp_metadata(xml);
  return r ? std::string("accepted") : r.error();
}

TEST(SpMetadata, ReadsARealLookingServiceProvider) {
  auto md = parse_sp_metadata(good_sp_metadata());
  ASSERT_TRUE(md) << md.error();
  EXPECT_EQ(md->entity_id, "https://sp.example/mellon/metadata");
  EXPECT_TRUE(md->authn_requests_signed);
  EXPECT_TRUE(md->want_assertions_signed);
  // PAOS is ignored; POST and Artifact are kept in document order.
  ASSERT_EQ(md->assertion_consumers.size(), 2u);
  EXPECT_EQ(md->assertion_consumers[0].binding, kBindingPost);
  EXPECT_EQ(md->assertion_consumers[0].location, "https://sp.example/mellon/postResponse");
  EXPECT_EQ(md->assertion_consumers[0].index, 1);
  EXPECT_FALSE(md->assertion_consumers[0].is_default.has_value());
  EXPECT_EQ(md->assertion_consumers[1].binding, kBindingArtifact);
  EXPECT_EQ(md->assertion_consumers[1].is_default, true);
  ASSERT_EQ(md->logout_services.size(), 2u);
  EXPECT_EQ(md->logout_services[0].binding, kBindingSoap);
  EXPECT_EQ(md->logout_services[0].response_location, "");
  EXPECT_EQ(md->logout_services[1].binding, kBindingRedirect);
  EXPECT_EQ(md->logout_services[1].response_location, "https://sp.example/mellon/logout-done");
  ASSERT_EQ(md->signing_keys.size(), 1u);
  EXPECT_EQ(md->signing_keys[0].type(), KeyType::kRsa);
  ASSERT_EQ(md->encryption_keys.size(), 1u);
  EXPECT_EQ(md->encryption_keys[0].methods,
            (std::vector<std::string>{"http://www.w3.org/2009/xmlenc11#aes256-gcm", "http://www.w3.org/2009/xmlenc11#rsa-oaep"}));
  EXPECT_EQ(md->nameid_formats, (std::vector<std::string>{"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
                                                          "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"}));
}

TEST(SpMetadata, AKeyWithoutUseIsForSigningAndEncryption) {
  auto md = parse_sp_metadata(sp_metadata("urn:example:sp", key_descriptor("", rsa_certificate_base64()) + std::string(kPostAcs), ""));
  ASSERT_TRUE(md) << md.error();
  EXPECT_EQ(md->entity_id, "urn:example:sp");
  EXPECT_EQ(md->signing_keys.size(), 1u);
  ASSERT_EQ(md->encryption_keys.size(), 1u);
  EXPECT_TRUE(md->encryption_keys[0].methods.empty());
  EXPECT_FALSE(md->authn_requests_signed);
  EXPECT_FALSE(md->want_assertions_signed);
}

TEST(SpMetadata, AcceptsAnEntitiesDescriptorWithOneEntity) {
  const std::string inner = sp_metadata("https://sp.example/md", kPostAcs);
  const auto start = inner.find("<md:EntityDescriptor");
  const std::string wrapped = R"(<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" Name="x">)" +
                              inner.substr(start) + "</md:EntitiesDescriptor>";
  auto md = parse_sp_metadata(wrapped);
  ASSERT_TRUE(md) << md.error();
  EXPECT_EQ(md->entity_id, "https://sp.example/md");

  const std::string two = R"(<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">)" + inner.substr(start) +
                          inner.substr(start) + "</md:EntitiesDescriptor>";
  EXPECT_EQ(refusal(two),
            "EntitiesDescriptor: holds 2 EntityDescriptor elements, not exactly one (one SP per registration)");
}

TEST(SpMetadata, DefaultEndpointFollowsTheSpecification) {
  const auto acs = [](int index, std::string_view is_default) {
    std::string e = R"(  <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example/acs/)" +
                    std::to_string(index) + "\" index=\"" + std::to_string(index) + "\"";
    if (!is_default.empty()) e += " isDefault=\"" + std::string(is_default) + "\"";
    return e + "/>\n";
  };
  // isDefault="true" wins wherever it is.
  auto md = parse_sp_metadata(sp_metadata("https://sp.example/md", acs(5, "") + acs(6, "1")));
  ASSERT_TRUE(md) << md.error();
  EXPECT_EQ(md->default_assertion_consumer().index, 6);
  // Else the first without isDefault="false".
  md = parse_sp_metadata(sp_metadata("https://sp.example/md", acs(5, "false") + acs(6, "") + acs(7, "")));
  ASSERT_TRUE(md) << md.error();
  EXPECT_EQ(md->default_assertion_consumer().index, 6);
  // Else the first.
  md = parse_sp_metadata(sp_metadata("https://sp.example/md", acs(5, "false") + acs(6, "0")));
  ASSERT_TRUE(md) << md.error();
  EXPECT_EQ(md->default_assertion_consumer().index, 5);
}

TEST(SpMetadata, LooksUpConsumersByIndexAndByExactLocationAndBinding) {
  auto md = parse_sp_metadata(good_sp_metadata());
  ASSERT_TRUE(md) << md.error();
  ASSERT_NE(md->assertion_consumer_by_index(2), nullptr);
  EXPECT_EQ(md->assertion_consumer_by_index(2)->binding, kBindingArtifact);
  EXPECT_EQ(md->assertion_consumer_by_index(0), nullptr) << "index 0 is the ignored PAOS endpoint";
  EXPECT_EQ(md->assertion_consumer_by_index(9), nullptr);
  const auto* post = md->assertion_consumer_by_location("https://sp.example/mellon/postResponse", kBindingPost);
  ASSERT_NE(post, nullptr);
  EXPECT_EQ(post->index, 1);
  EXPECT_EQ(md->assertion_consumer_by_location("https://sp.example/mellon/postResponse", kBindingArtifact), nullptr);
  EXPECT_EQ(md->assertion_consumer_by_location("https://sp.example/mellon/postResponse/", kBindingPost), nullptr);
  EXPECT_EQ(md->assertion_consumer_by_location("HTTPS://sp.example/mellon/postResponse", kBindingPost), nullptr);
}

TEST(SpMetadata, RefusesAnEntityWithoutOrWithTwoSpDescriptors) {
  EXPECT_EQ(refusal(R"(<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>)"),
            "EntityDescriptor: no SPSSODescriptor (this is not a service provider)");
  std::string two = sp_metadata("https://sp.example/md", kPostAcs);
  const auto at = two.find(" <md:Organization>");
  two.insert(at, R"( <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">)" +
                     std::string(kPostAcs) + " </md:SPSSODescriptor>\n");
  EXPECT_EQ(refusal(two), "EntityDescriptor: more than one SPSSODescriptor");
}

TEST(SpMetadata, RefusesAnSpWithoutSaml2) {
  EXPECT_EQ(refusal(sp_metadata("https://sp.example/md", kPostAcs).replace(
                sp_metadata("https://sp.example/md", kPostAcs).find("urn:oasis:names:tc:SAML:2.0:protocol"),
                std::string_view("urn:oasis:names:tc:SAML:2.0:protocol").size(), "urn:oasis:names:tc:SAML:1.1:protocol")),
            "SPSSODescriptor: protocolSupportEnumeration does not list urn:oasis:names:tc:SAML:2.0:protocol");
}

TEST(SpMetadata, RefusesWithoutAKeptAssertionConsumer) {
  EXPECT_EQ(refusal(sp_metadata("https://sp.example/md", "")),
            "SPSSODescriptor: no AssertionConsumerService with the HTTP-POST or HTTP-Artifact binding");
  // Only an ignored binding.
  EXPECT_EQ(refusal(sp_metadata("https://sp.example/md",
                                R"(<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:PAOS" Location="https://sp.example/ecp" index="0"/>)")),
            "SPSSODescriptor: no AssertionConsumerService with the HTTP-POST or HTTP-Artifact binding");
}

TEST(SpMetadata, RefusesUnusableConsumerLocations) {
  const auto with_location = [](std::string_view location) {
    return refusal(sp_metadata("https://sp.example/md",
                               R"(<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location=")" +
                                   std::string(location) + R"(" index="0"/>)"));
  };
  EXPECT_EQ(with_location("javascript:alert(1)"),
            "AssertionConsumerService 1: Location 'javascript:alert(1)' is not an absolute URL with a host");
  EXPECT_EQ(with_location("ftp://sp.example/acs"), "AssertionConsumerService 1: Location 'ftp://sp.example/acs' must use https or http");
  EXPECT_EQ(with_location("/acs"), "AssertionConsumerService 1: Location '/acs' is not an absolute URL with a host");
  EXPECT_EQ(with_location("https://user@sp.example/acs"),
            "AssertionConsumerService 1: Location 'https://user@sp.example/acs' must not contain user information (@)");
  EXPECT_EQ(with_location("https://sp.example/acs#x"),
            "AssertionConsumerService 1: Location 'https://sp.example/acs#x' must not contain a fragment");
  EXPECT_EQ(with_location("https://sp.example/a cs"),
            "AssertionConsumerService 1: Location 'https://sp.example/a cs' is not an absolute URL with a host");
  EXPECT_EQ(with_location("http://127.0.0.1:8080/acs"), "accepted");
}

TEST(SpMetadata, RefusesBadIndexesAndBooleans) {
  const auto acs = [](std::string_view attributes) {
    return R"(<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example/acs" )" +
           std::string(attributes) + "/>\n";
  };
  EXPECT_EQ(refusal(sp_metadata("https://sp.example/md", acs(""))),
            "AssertionConsumerService 1: index must be a number from 0 to 65535");
  EXPECT_EQ(refusal(sp_metadata("https://sp.example/md", acs(R"(index="65536")"))),
            "AssertionConsumerService 1: index must be a number from 0 to 65535");
  EXPECT_EQ(refusal(sp_metadata("https://sp.example/md", acs(R"(index="-1")"))),
            "AssertionConsumerService 1: index must be a number from 0 to 65535");
  EXPECT_EQ(refusal(sp_metadata("https://sp.example/md", acs(R"(index="3")") + acs(R"(index="3")"))),
            "AssertionConsumerService 2: index 3 is used twice");
  EXPECT_EQ(refusal(sp_metadata("https://sp.example/md", acs(R"(index="3" isDefault="yes")"))),
            "AssertionConsumerService 1: isDefault must be true or false");
  EXPECT_EQ(refusal(sp_metadata("https://sp.example/md", kPostAcs, R"(AuthnRequestsSigned="maybe")")),
            "SPSSODescriptor: AuthnRequestsSigned must be true or false");
}

TEST(SpMetadata, RefusesBadEntityIds) {
  EXPECT_EQ(refusal(sp_metadata("", kPostAcs)), "EntityDescriptor: no entityID");
  EXPECT_EQ(refusal(sp_metadata("not a uri", kPostAcs)), "EntityDescriptor: the entityID 'not a uri' is not an absolute URI");
  EXPECT_EQ(refusal(sp_metadata("relative/path", kPostAcs)),
            "EntityDescriptor: the entityID 'relative/path' is not an absolute URI");
  EXPECT_EQ(refusal(sp_metadata("https://sp.example/" + std::string(1100, 'a'), kPostAcs)),
            "EntityDescriptor: the entityID is longer than 1024 characters");
}

TEST(SpMetadata, RefusesBadKeys) {
  const auto with_key = [](const std::string& descriptor) {
    return refusal(sp_metadata("https://sp.example/md", descriptor + std::string(kPostAcs)));
  };
  EXPECT_EQ(with_key(key_descriptor("signing", "not base64!")), "KeyDescriptor 1: certificate: invalid base64");
  EXPECT_EQ(with_key(key_descriptor("signing", "AAAA")).substr(0, 29), "KeyDescriptor 1: certificate:");
  EXPECT_EQ(with_key(key_descriptor("signing", testing::kWeakRsaCertificate)), "KeyDescriptor 1: key: RSA of 1024 bits refused");
  EXPECT_EQ(with_key(key_descriptor("both", rsa_certificate_base64())),
            "KeyDescriptor 1: use must be \"signing\" or \"encryption\" (or absent, for both)");
  EXPECT_EQ(with_key("<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:KeyName>k</ds:KeyName></ds:KeyInfo></md:KeyDescriptor>"),
            "KeyDescriptor 1: KeyInfo must hold exactly one ds:X509Data/ds:X509Certificate (it holds 0)");
  const auto cert = rsa_certificate_base64();
  EXPECT_EQ(with_key("<md:KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>" + cert +
                     "</ds:X509Certificate><ds:X509Certificate>" + cert +
                     "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"),
            "KeyDescriptor 1: KeyInfo must hold exactly one ds:X509Data/ds:X509Certificate (it holds 2)");
  EXPECT_EQ(with_key("<md:KeyDescriptor use=\"encryption\"/>"), "KeyDescriptor 1: no KeyInfo element");
}

TEST(SpMetadata, RefusesOversizeDoctypeAndJunk) {
  std::string big = good_sp_metadata();
  big.insert(big.find("</md:EntityDescriptor>"), "<!--" + std::string(kMaxMetadataBytes, 'x') + "-->");
  EXPECT_NE(refusal(big).find("XML refused"), std::string::npos) << refusal(big);
  EXPECT_EQ(refusal("<!DOCTYPE md:EntityDescriptor [<!ENTITY e \"x\">]>" + sp_metadata("https://sp.example/md", kPostAcs).substr(39)),
            "XML refused: a DOCTYPE (DTDs are refused)");
  EXPECT_EQ(refusal(R"(<md:EntityDescriptor xmlns:md="urn:example:not-metadata" entityID="https://sp.example"/>)"),
            "the root element is not an md:EntityDescriptor or md:EntitiesDescriptor");
  EXPECT_NE(refusal("<md:EntityDescriptor"), "accepted");
  EXPECT_NE(refusal(""), "accepted");
}

TEST(SpMetadata, RefusesBadLogoutEndpointsAndFormats) {
  EXPECT_EQ(refusal(sp_metadata("https://sp.example/md",
                                std::string(kPostAcs) +
                                    R"(<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://sp.example/slo" ResponseLocation="data:text/html,x"/>)")),
            "SingleLogoutService 1 ResponseLocation: Location 'data:text/html,x' is not an absolute URL with a host");
  EXPECT_EQ(refusal(sp_metadata("https://sp.example/md",
                                std::string(kPostAcs) + R"(<md:SingleLogoutService Location="https://sp.example/slo"/>)")),
            "SingleLogoutService 1: no Binding");
  EXPECT_EQ(refusal(sp_metadata("https://sp.example/md", std::string(kPostAcs) + "<md:NameIDFormat> </md:NameIDFormat>")),
            "NameIDFormat: '' is not a URI");
}

TEST(SpMetadata, NameIdFormatsTakeTheUriOrItsShortWord) {
  EXPECT_EQ(nameid_format_uri("transient"), "urn:oasis:names:tc:SAML:2.0:nameid-format:transient");
  EXPECT_EQ(nameid_format_uri("emailAddress"), "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress");
  EXPECT_EQ(nameid_format_uri("urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"),
            "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified");
  EXPECT_EQ(nameid_format_uri("emailaddress"), "");
  EXPECT_EQ(nameid_format_uri("urn:oasis:names:tc:SAML:2.0:nameid-format:emailAddress"), "");
  EXPECT_EQ(nameid_format_uri("urn:oasis:names:tc:SAML:2.0:nameid-format:kerberos"), "");
}

}  // namespace
}  // namespace gatehouse::saml
