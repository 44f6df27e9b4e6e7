// RequestedAuthnContext onto the two assurance levels: what each comparison requires, what is
// stated afterwards, and what cannot be satisfied (NoAuthnContext).
#include "saml/authn_context.hpp"

#include <gtest/gtest.h>

#include "saml/protocol.hpp"

namespace gatehouse::saml {
namespace {

const std::string kPpt(kClassPasswordProtectedTransport);
const std::string kMfa(kClassRefedsMfa);
const std::string kSfa(kClassRefedsSfa);
const std::string kSmartcard = "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard";

TEST(SamlAuthnContext, EachComparisonRequiresItsLevel) {
  EXPECT_EQ(required_level({}, "exact"), 1);
  EXPECT_EQ(required_level({kPpt}, "exact"), 1);
  EXPECT_EQ(required_level({kMfa}, "exact"), 2);
  EXPECT_EQ(required_level({kMfa, kPpt}, "exact"), 1) << "any one of them";
  EXPECT_EQ(required_level({kPpt}, "minimum"), 1);
  EXPECT_EQ(required_level({kMfa}, "minimum"), 2);
  EXPECT_EQ(required_level({kPpt}, "better"), 2);
  EXPECT_EQ(required_level({kMfa}, "better"), std::nullopt) << "nothing stronger than MFA";
  EXPECT_EQ(required_level({kMfa}, "maximum"), 1);
  EXPECT_EQ(required_level({kSmartcard}, "exact"), std::nullopt);
  EXPECT_EQ(required_level({kSmartcard}, "minimum"), std::nullopt);
  EXPECT_EQ(required_level({kSmartcard, kMfa}, "exact"), 2);
}

TEST(SamlAuthnContext, TheStatedClassIsOneAskedForThatTheSignInReached) {
  EXPECT_EQ(stated_class({}, "exact", 1), kPpt);
  EXPECT_EQ(stated_class({}, "exact", 2), kMfa);
  EXPECT_EQ(stated_class({kSfa}, "exact", 1), kSfa);
  EXPECT_EQ(stated_class({kSfa}, "exact", 2), kSfa) << "a stronger sign-in still states the class asked for";
  EXPECT_EQ(stated_class({kMfa, kSfa}, "exact", 2), kMfa);
  EXPECT_EQ(stated_class({kMfa, kSfa}, "exact", 1), kSfa);
  EXPECT_EQ(stated_class({kPpt}, "better", 2), kMfa);
  EXPECT_EQ(stated_class({kMfa}, "minimum", 2), kMfa);
  EXPECT_EQ(stated_class({kMfa}, "maximum", 1), kPpt);
}

}  // namespace
}  // namespace gatehouse::saml
