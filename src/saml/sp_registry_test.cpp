#include "saml/sp_registry.hpp"

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "saml/testing/sp_metadata.hpp"

namespace gatehouse::saml {
namespace {

namespace json = boost::json;
using std::chrono_literals::operator""s;

SpSource sp(std::string client_id, std::string entity_id, json::object members = {}) {
  members["saml_metadata"] = testing::good_sp_metadata(entity_id);
  return SpSource{std::move(client_id), "", json::serialize(members), ""};
}

/// The applications the registry loads, changed by the test; counts the loads.
struct Registry {
  std::vector<SpSource> sources;
  int loads = 0;
  bool fail = false;
  FixedClock clock{1'700'000'000};
  SpRegistry registry{[this] {
                        ++loads;
                        if (fail) throw std::runtime_error("store down");
                        return sources;
                      },
                      60s, clock};
};

TEST(SpRegistry, LooksUpByEntityIdAndClientAndReadsTheMembers) {
  Registry r;
  r.sources = {sp("wiki", "https://wiki.example.com/shibboleth",
                  json::object{{"saml_attributes", json::array{"email", "groups"}},
                               {"saml_nameid_format", "persistent"},
                               {"saml_sign", "both"},
                               {"saml_encrypt", true},
                               {"saml_allow_idp_initiated", true},
                               {"saml_affiliation", "urn:example:campus"}}),
               sp("mail", "https://mail.example.com/sp", json::object{{"saml_require_signed_requests", false}}),
               SpSource{"oidc-app", "An OIDC client", "{}", ""},
               SpSource{"later", "", R"({"saml_metadata_url":"https://later.example.com/md"})", ""}};
  r.sources[0].name = "The Wiki";
  r.sources[0].mfa_policy = "required";

  const auto wiki = r.registry.by_entity_id("https://wiki.example.com/shibboleth");
  ASSERT_NE(wiki, nullptr);
  EXPECT_EQ(wiki, r.registry.by_client("wiki"));
  EXPECT_EQ(wiki->client_id, "wiki");
  EXPECT_EQ(wiki->name, "The Wiki");
  EXPECT_EQ(wiki->entity_id, "https://wiki.example.com/shibboleth");
  EXPECT_EQ(wiki->metadata.default_assertion_consumer().binding, kBindingArtifact);
  EXPECT_EQ(wiki->attributes, (std::vector<std::string>{"email", "groups"}));
  EXPECT_EQ(wiki->nameid_format, "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent");
  EXPECT_EQ(wiki->sign, SignWhat::kBoth);
  EXPECT_TRUE(wiki->encrypt);
  EXPECT_TRUE(wiki->require_signed_requests) << "the metadata's AuthnRequestsSigned";
  EXPECT_TRUE(wiki->allow_idp_initiated);
  EXPECT_EQ(wiki->affiliation, "urn:example:campus");
  EXPECT_EQ(wiki->mfa_policy, "required");

  const auto mail = r.registry.by_client("mail");
  ASSERT_NE(mail, nullptr);
  EXPECT_EQ(mail->name, "mail");
  EXPECT_FALSE(mail->require_signed_requests) << "the member overrides AuthnRequestsSigned";
  EXPECT_EQ(mail->sign, SignWhat::kAssertion);
  EXPECT_FALSE(mail->encrypt);
  EXPECT_FALSE(mail->allow_idp_initiated);
  EXPECT_EQ(mail->nameid_format, "");

  EXPECT_EQ(r.registry.by_client("oidc-app"), nullptr);
  EXPECT_EQ(r.registry.by_client("later"), nullptr) << "no metadata until it is fetched";
  EXPECT_EQ(r.registry.by_entity_id("https://wiki.example.com/shibboleth/"), nullptr);
  EXPECT_EQ(r.registry.by_entity_id(""), nullptr);
  EXPECT_EQ(r.loads, 1) << "parsed once, not per lookup";
}

TEST(SpRegistry, ARegistrationWhoseMetadataNoLongerParsesIsLeftOut) {
  Registry r;
  r.sources = {sp("good", "https://good.example.com/sp"),
               SpSource{"broken", "", R"({"saml_metadata":"<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"https://broken.example.com/sp\"/>"})", ""},
               SpSource{"not-json", "", "{", ""}};
  EXPECT_NE(r.registry.by_client("good"), nullptr) << "the others are served";
  EXPECT_EQ(r.registry.by_client("broken"), nullptr);
  EXPECT_EQ(r.registry.by_entity_id("https://broken.example.com/sp"), nullptr);
  EXPECT_EQ(r.registry.by_client("not-json"), nullptr);
  const auto broken = registration_of(r.sources[1]);
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error(), "EntityDescriptor: no SPSSODescriptor (this is not a service provider)");
}

TEST(SpRegistry, ReloadsAfterInvalidateOrTheTtl) {
  Registry r;
  r.sources = {sp("wiki", "https://wiki.example.com/sp")};
  ASSERT_NE(r.registry.by_entity_id("https://wiki.example.com/sp"), nullptr);
  r.sources = {sp("wiki", "https://wiki.example.com/sp2")};
  EXPECT_NE(r.registry.by_entity_id("https://wiki.example.com/sp"), nullptr) << "not reloaded yet";
  r.registry.invalidate();
  EXPECT_EQ(r.registry.by_entity_id("https://wiki.example.com/sp"), nullptr);
  EXPECT_NE(r.registry.by_entity_id("https://wiki.example.com/sp2"), nullptr);
  EXPECT_EQ(r.loads, 2);

  r.sources.clear();
  r.clock.advance(59);
  EXPECT_NE(r.registry.by_client("wiki"), nullptr);
  r.clock.advance(1);
  EXPECT_EQ(r.registry.by_client("wiki"), nullptr) << "the ttl has run out";
  EXPECT_EQ(r.loads, 3);
}

TEST(SpRegistry, AFailedReloadServesThePreviousRegistryAndRetries) {
  Registry r;
  r.sources = {sp("wiki", "https://wiki.example.com/sp")};
  ASSERT_NE(r.registry.by_client("wiki"), nullptr);
  r.fail = true;
  r.registry.invalidate();
  EXPECT_NE(r.registry.by_client("wiki"), nullptr) << "the previous one";
  EXPECT_EQ(r.loads, 2);
  EXPECT_NE(r.registry.by_client("wiki"), nullptr);
  EXPECT_EQ(r.loads, 2) << "no retry within the second";
  r.fail = false;
  r.sources.clear();
  r.clock.advance(1);
  EXPECT_EQ(r.registry.by_client("wiki"), nullptr) << "the change missed meanwhile arrives";
  EXPECT_EQ(r.loads, 3);
}

TEST(SpRegistry, TwoApplicationsWithOneEntityIdLeaveItToTheLowestClientId) {
  Registry r;
  r.sources = {sp("b-app", "https://sp.example.com/md"), sp("a-app", "https://sp.example.com/md")};
  const auto found = r.registry.by_entity_id("https://sp.example.com/md");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->client_id, "a-app");
}

}  // namespace
}  // namespace gatehouse::saml
