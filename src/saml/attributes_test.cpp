// The attributes an assertion releases: the OID names, the basic-format fallback, and each SAML
// attribute once (uid from preferred_username when both username claims are released).
#include "saml/attributes.hpp"

#include <algorithm>

#include <gtest/gtest.h>

namespace gatehouse::saml {
namespace {

constexpr std::string_view kUid = "urn:oid:0.9.2342.19200300.100.1.1";

user::User sample() {
  user::User u;
  u.id = "u-1";
  u.username = "ada";
  u.email = "ada@example.com";
  return u;
}

std::vector<std::string> names(const std::vector<Attribute>& attributes) {
  std::vector<std::string> out;
  for (const auto& a : attributes) out.push_back(a.name);
  return out;
}

TEST(SamlAttributes, ClaimsMapToTheirOidNamesOrGoByTheirOwn) {
  const auto got = released_attributes(sample(), {"email", "sub", "given_name"});
  ASSERT_EQ(got.size(), 2u) << "no given_name value: left out";
  EXPECT_EQ(got[0].name, "urn:oid:0.9.2342.19200300.100.1.3");
  EXPECT_EQ(got[0].friendly_name, "mail");
  EXPECT_EQ(got[0].name_format, kAttrNameFormatUri);
  EXPECT_EQ(got[1].name, "sub");
  EXPECT_EQ(got[1].name_format, kAttrNameFormatBasic);
  EXPECT_EQ(got[1].values, std::vector<std::string>{"u-1"});
}

TEST(SamlAttributes, GroupsAreOneMultiValuedIsMemberOf) {
  auto u = sample();
  EXPECT_TRUE(released_attributes(u, {"groups"}).empty()) << "no groups: no attribute";
  u.groups = {"admins", "engineers"};
  const auto got = released_attributes(u, {"groups"});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].name, "urn:oid:1.3.6.1.4.1.5923.1.5.1.1");
  EXPECT_EQ(got[0].friendly_name, "isMemberOf");
  EXPECT_EQ(got[0].values, u.groups);
}

TEST(SamlAttributes, UidIsReleasedOnceWhenBothUsernameClaimsAre) {
  for (const auto& order : {std::vector<std::string>{"username", "email", "preferred_username"},
                            std::vector<std::string>{"preferred_username", "username", "email"}}) {
    const auto got = names(released_attributes(sample(), order));
    EXPECT_EQ(std::count(got.begin(), got.end(), std::string(kUid)), 1) << "uid twice";
    EXPECT_EQ(got.size(), 2u);
  }
  // preferred_username wins, in its own place in the list.
  const auto got = released_attributes(sample(), {"username", "email", "preferred_username"});
  EXPECT_EQ(names(got), (std::vector<std::string>{"urn:oid:0.9.2342.19200300.100.1.3", std::string(kUid)}));
  EXPECT_EQ(got[1].values, std::vector<std::string>{"ada"});
  EXPECT_EQ(released_attributes(sample(), {"username"}).size(), 1u) << "alone, username is uid";
  EXPECT_EQ(released_attributes(sample(), {"email", "email"}).size(), 1u) << "a claim named twice counts once";
}

}  // namespace
}  // namespace gatehouse::saml
