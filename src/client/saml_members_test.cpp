#include "client/saml_members.hpp"

#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "client/client_metadata.hpp"
#include "saml/testing/sp_metadata.hpp"

namespace gatehouse::client {
namespace {

namespace json = boost::json;

Result<ClientDraft, MetadataError> parse(const json::object& doc) { return parse_metadata(doc, MetadataDefaults{}); }

json::object saml_app() {
  return json::object{{"client_id", "wiki"},
                      {"client_name", "Wiki"},
                      {"saml_metadata", saml::testing::good_sp_metadata("https://wiki.example.com/shibboleth")}};
}

std::string describe(const Result<ClientDraft, MetadataError>& r) {
  return r ? std::string("accepted") : r.error().field + ": " + r.error().message;
}

TEST(SamlMembers, ASamlOnlyApplicationHasNoOAuthGrantAndCarriesItsEntityId) {
  auto d = parse(saml_app());
  ASSERT_TRUE(d) << describe(d);
  EXPECT_TRUE(d->client.grant_types.empty());
  EXPECT_EQ(d->client.token_endpoint_auth_method, "none");
  EXPECT_FALSE(uses_secret(d->client));
  EXPECT_EQ(d->client.saml_entity_id, "https://wiki.example.com/shibboleth");

  auto by_url = parse(json::object{{"saml_metadata_url", "https://wiki.example.com/Shibboleth.sso/Metadata"}});
  ASSERT_TRUE(by_url) << describe(by_url);
  EXPECT_TRUE(by_url->client.grant_types.empty());
  EXPECT_EQ(by_url->client.saml_entity_id, "") << "known once the metadata is fetched";

  auto plain = parse(json::object{{"client_name", "svc"}});
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->client.saml_entity_id, "");
  EXPECT_FALSE(parse(json::object{{"grant_types", json::array{}}, {"saml_metadata", nullptr}}))
      << "a null saml_metadata is not given";
}

TEST(SamlMembers, EveryMemberRoundTripsThroughTheApi) {
  auto doc = saml_app();
  doc["saml_attributes"] = json::array{"email", "preferred_username", "groups"};
  doc["saml_nameid_format"] = "persistent";
  doc["saml_sign"] = "both";
  doc["saml_encrypt"] = true;
  doc["saml_require_signed_requests"] = false;
  doc["saml_allow_idp_initiated"] = true;
  doc["saml_affiliation"] = "urn:example:affiliation:campus";
  auto d = parse(doc);
  ASSERT_TRUE(d) << describe(d);
  const auto out = to_json(d->client);
  for (const char* name : {"saml_metadata", "saml_attributes", "saml_nameid_format", "saml_sign", "saml_encrypt",
                           "saml_require_signed_requests", "saml_allow_idp_initiated", "saml_affiliation"})
    EXPECT_EQ(out.at(name), doc.at(name)) << name;
  EXPECT_FALSE(out.contains("saml_entity_id")) << "derived, not a member";
  // What GET answers, PUT accepts unchanged.
  auto again = parse(out);
  ASSERT_TRUE(again) << describe(again);
  EXPECT_EQ(again->client.extra_metadata, d->client.extra_metadata);
  EXPECT_EQ(again->client.saml_entity_id, d->client.saml_entity_id);
}

TEST(SamlMembers, EachRefusalNamesItsMember) {
  const std::string no_encryption_key = saml::testing::sp_metadata(
      "https://sp.example/md",
      saml::testing::key_descriptor("signing", saml::testing::rsa_certificate_base64()) +
          R"(<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example/acs" index="0"/>)");
  const std::string no_keys = saml::testing::sp_metadata(
      "https://sp.example/md",
      R"(<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example/acs" index="0"/>)");
  struct Case {
    std::string member;
    json::value value;
    std::string field;
    std::string mention;
  };
  const Case cases[] = {
      {"saml_metadata", 5, "saml_metadata", "XML string"},
      {"saml_metadata", "<md:EntityDescriptor", "saml_metadata", "is not usable SP metadata: XML refused"},
      {"saml_metadata", "<x/>", "saml_metadata", "not an md:EntityDescriptor"},
      {"saml_metadata", json::string(300 * 1024, ' '), "saml_metadata", "256 KiB"},
      {"saml_metadata_url", "https://wiki.example.com/md", "saml_metadata_url", "not both"},
      {"saml_metadata_signing_cert", "not a certificate", "saml_metadata_signing_cert", "no PEM CERTIFICATE block"},
      {"saml_metadata_signing_cert", 7, "saml_metadata_signing_cert", "PEM certificate"},
      {"saml_attributes", json::array{"email", "1bad"}, "saml_attributes", "claim names"},
      {"saml_attributes", "email", "saml_attributes", "array"},
      {"saml_nameid_format", "kerberos", "saml_nameid_format", "transient, persistent"},
      {"saml_sign", "neither", "saml_sign", "\"assertion\", \"response\" or \"both\""},
      {"saml_encrypt", "yes", "saml_encrypt", "true or false"},
      {"saml_require_signed_requests", 1, "saml_require_signed_requests", "true or false"},
      {"saml_allow_idp_initiated", nullptr, "", ""},  // null: not given, accepted
      {"saml_affiliation", "not a uri", "saml_affiliation", "absolute URI"},
      {"saml_typo", true, "saml_typo", "is not a client metadata member"},
  };
  for (const auto& c : cases) {
    auto doc = saml_app();
    doc[c.member] = c.value;
    auto r = parse(doc);
    if (c.field.empty()) {
      EXPECT_TRUE(r) << c.member << ": " << describe(r);
      continue;
    }
    ASSERT_FALSE(r) << c.member;
    EXPECT_EQ(r.error().field, c.field) << c.member << " -> " << describe(r);
    EXPECT_NE(r.error().message.find(c.mention), std::string::npos) << c.member << " -> " << describe(r);
  }

  auto doc = saml_app();
  doc["saml_metadata"] = no_encryption_key;
  doc["saml_encrypt"] = true;
  EXPECT_EQ(describe(parse(doc)),
            "saml_encrypt: needs an encryption key in saml_metadata (a KeyDescriptor with use=\"encryption\" or "
            "without use)");
  doc["saml_encrypt"] = false;
  EXPECT_EQ(describe(parse(doc)), "accepted");

  doc = saml_app();
  doc["saml_metadata"] = no_keys;
  doc["saml_require_signed_requests"] = true;
  EXPECT_EQ(describe(parse(doc)).substr(0, 50), "saml_require_signed_requests: signed requests need");
  doc.erase("saml_require_signed_requests");
  EXPECT_EQ(describe(parse(doc)).substr(0, 35), "saml_metadata: signed requests need")
      << "the metadata says AuthnRequestsSigned=\"true\" and names no signing key";
  doc["saml_require_signed_requests"] = false;
  EXPECT_EQ(describe(parse(doc)), "accepted");

  // A SAML member without the SP's metadata.
  EXPECT_EQ(describe(parse(json::object{{"grant_types", json::array{"client_credentials"}}, {"saml_sign", "both"}})),
            "saml_sign: needs saml_metadata or saml_metadata_url");
  EXPECT_EQ(describe(parse(json::object{{"saml_metadata_url", "http://wiki.example.com/md"}})),
            "saml_metadata_url: 'http://wiki.example.com/md' must use https");
  EXPECT_EQ(describe(parse(json::object{{"saml_metadata_url", "https://" + std::string(2048, 'a') + ".example"}})),
            "saml_metadata_url: must be 1 to 2048 characters");
}

TEST(SamlMembers, ASamlApplicationHasNoSecret) {
  auto doc = saml_app();
  doc["client_secret"] = "s3cret-s3cret-s3cret";
  doc["grant_types"] = json::array{};
  EXPECT_EQ(describe(parse(doc)), "client_secret: an application without OAuth grants has no secret");
  doc.erase("grant_types");
  auto with_secret = parse(doc);
  ASSERT_TRUE(with_secret) << "a secret without grant_types: the historical default, client_credentials";
  EXPECT_EQ(with_secret->client.grant_types, std::vector<std::string>{"client_credentials"});
  doc = saml_app();
  doc["grant_types"] = json::array{"client_credentials"};
  auto both = parse(doc);
  ASSERT_TRUE(both) << describe(both) << " (an SP that also gets tokens)";
  EXPECT_EQ(both->client.token_endpoint_auth_method, "client_secret_basic");
}

}  // namespace
}  // namespace gatehouse::client
