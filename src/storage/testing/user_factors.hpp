#pragma once
// For both backends' tests: deleting a user (UserStore::remove, as DELETE /api/users/{id} does)
// deletes their TOTP factor, recovery codes and passkeys in the same transaction (the trigger of
// migration 0016) and their SAML persistent NameIDs (0019), and nobody else's.

#include <string>

#include <gtest/gtest.h>

#include "storage/backend.hpp"

namespace gatehouse::storage::testing {

inline user::User factor_test_user(const std::string& id) {
  user::User u;
  u.id = id;
  u.username = "user-" + id;
  u.active = true;
  u.created_at = 1000;
  u.updated_at = 1000;
  return u;
}

/// Gives `user_id` a confirmed TOTP factor, two recovery codes and a passkey "key-<user_id>".
inline void enrol_every_factor(Backend& b, const std::string& user_id) {
  ASSERT_EQ(b.users().insert(factor_test_user(user_id)), user::UserWriteResult::kOk);
  b.totp().replace(mfa::TotpFactor{user_id, "sealed", true, -1, 1000, 1000});
  b.recovery_codes().replace(user_id, {"h1", "h2"}, 1000);
  mfa::Passkey k;
  k.credential_id = "key-" + user_id;
  k.user_id = user_id;
  k.public_key = "cose";
  k.created_at = 1000;
  ASSERT_TRUE(b.passkeys().insert(k));
  EXPECT_EQ(b.saml_persistent_ids().name_id(user_id, "https://sp.example.com/sp", "nid-" + user_id, 1000), "nid-" + user_id);
}

inline void expect_deleting_a_user_deletes_their_factors(Backend& b) {
  enrol_every_factor(b, "gone");
  enrol_every_factor(b, "kept");
  ASSERT_TRUE(b.users().remove("gone"));
  EXPECT_FALSE(b.totp().find("gone"));
  EXPECT_EQ(b.recovery_codes().remaining("gone"), 0u);
  EXPECT_TRUE(b.passkeys().list_user("gone").empty());
  EXPECT_FALSE(b.passkeys().find("key-gone")) << "its credential id may be registered again";
  EXPECT_TRUE(b.totp().find("kept"));
  EXPECT_EQ(b.recovery_codes().remaining("kept"), 2u);
  EXPECT_TRUE(b.passkeys().find("key-kept"));
  // Their SAML persistent NameIDs too (the trigger of migration 0019).
  EXPECT_EQ(b.saml_persistent_ids().user_of("https://sp.example.com/sp", "nid-gone"), std::nullopt);
  EXPECT_EQ(b.saml_persistent_ids().user_of("https://sp.example.com/sp", "nid-kept"), "kept");
}

}  // namespace gatehouse::storage::testing
