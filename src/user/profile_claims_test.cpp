#include "user/profile_claims.hpp"

#include <set>

#include <gtest/gtest.h>

namespace gatehouse::user {
namespace {

TEST(ProfileClaims, AreTheTextClaimsOfTheProfileScopeInTheirOidcOrder) {
  std::vector<std::string_view> names;
  for (const auto& c : kProfileClaims) names.push_back(c.claim);
  // OpenID Connect Core 1.0 §5.4: the profile scope's claims that are text (updated_at is a number).
  EXPECT_EQ(names, (std::vector<std::string_view>{"name", "given_name", "family_name", "middle_name", "nickname",
                                                  "preferred_username", "picture", "locale"}));
}

TEST(ProfileClaims, EachReadsItsOwnMemberAndHasItsOwnLabel) {
  User u;
  u.name = "name";
  u.given_name = "given_name";
  u.family_name = "family_name";
  u.middle_name = "middle_name";
  u.nickname = "nickname";
  u.username = "preferred_username";  // the username is released as preferred_username
  u.picture = "picture";
  u.locale = "locale";
  std::set<std::string_view> labels;
  for (const auto& c : kProfileClaims) {
    EXPECT_EQ(u.*c.member, c.claim);
    if (!c.label.empty()) {
      EXPECT_TRUE(labels.insert(c.label).second) << c.label;
    }
  }
  EXPECT_EQ(labels.size(), kProfileClaims.size() - 1) << "every claim but picture (a URL) is shown on the account page";
}

}  // namespace
}  // namespace gatehouse::user
