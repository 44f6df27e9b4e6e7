#include "app/kickstart.hpp"

#include <gtest/gtest.h>

#include "jose/openssl/crypto.hpp"
#include "otp/totp.hpp"
#include "storage/sqlite/sqlite_backend.hpp"

namespace gatehouse::app {
namespace {

constexpr const char* kGood = R"({
  "api_keys":[{"key":"admin-key-0123456789","description":"ops"}],
  "applications":[{"client_id":"svc","client_secret":"svc-secret-0123456789","scope":"api:read"}],
  "users":[{"username":"ada","password":"correct horse","email":"ada@example.com","given_name":"Ada"}]})";

/// A migrated in-memory store and the hashers a node would derive from its master key.
class KickstartTest : public ::testing::Test {
 protected:
  KickstartTest()
      : backend({":memory:", 2}), secrets(KeyBytes(jose::random_bytes(32))), keys(KeyBytes(jose::random_bytes(32))), passwords({64, 1, 1}), clock(1000) {
    backend.migrate();
  }
  KickstartOutcome apply(const KickstartPlan& plan) {
    return apply_kickstart(plan, KickstartTargets{backend.clients(), backend.api_keys(), backend.users(), backend.settings(),
                                                  secrets, keys, passwords, clock});
  }

  storage::sqlite::SqliteBackend backend;
  client::SecretHasher secrets;
  client::SecretHasher keys;
  user::PasswordHasher passwords;
  FixedClock clock;
};

TEST_F(KickstartTest, AppliesOnceAndThenChangesNothing) {
  auto plan = parse_kickstart(kGood, KickstartRules{});
  ASSERT_TRUE(plan) << plan.error();
  auto first = apply(*plan);
  EXPECT_EQ(first.api_keys_created, 1u);
  EXPECT_EQ(first.applications_created, 1u);
  EXPECT_EQ(first.users_created, 1u);
  auto ada = backend.users().find_by_username("ADA");
  ASSERT_TRUE(ada);
  EXPECT_TRUE(passwords.verify(user::Password("correct horse"), ada->password_hash));
  EXPECT_EQ(ada->given_name, "Ada");
  auto before = *backend.clients().find("svc");
  clock.advance(50);
  auto second = apply(*plan);
  EXPECT_EQ(second.api_keys_created, 0u);
  EXPECT_EQ(second.api_keys_present, 1u);
  EXPECT_EQ(second.applications_present, 1u);
  EXPECT_EQ(second.users_present, 1u);
  EXPECT_EQ(backend.users().list({}, 0, 10).total, 1u);
  EXPECT_EQ(backend.api_keys().list().size(), 1u);
  auto after = *backend.clients().find("svc");
  EXPECT_EQ(after.updated_at, before.updated_at);
  EXPECT_EQ(after.secret_hash, before.secret_hash);
  EXPECT_TRUE(secrets.matches("svc-secret-0123456789", after.secret_hash));
}

TEST_F(KickstartTest, AUsersTotpSecretIsImportedWhenTheUserIsCreatedAndNeverAgain) {
  const mfa::Factors factors(mfa::FactorsDeps{.totp = backend.totp(),
                                              .recovery_codes = backend.recovery_codes(),
                                              .passkeys = backend.passkeys(),
                                              .users = backend.users(),
                                              .clock = clock,
                                              .seal_key = KeyBytes(jose::random_bytes(32)),
                                              .recovery_key = KeyBytes(jose::random_bytes(32)),
                                              .issuer = "Example"});
  auto plan = parse_kickstart(R"({"users":[{"username":"ada","password":"correct horse",
                                            "totp_secret":"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"}]})", KickstartRules{});
  ASSERT_TRUE(plan) << plan.error();
  auto targets = KickstartTargets{backend.clients(), backend.api_keys(), backend.users(), backend.settings(),
                                  secrets, keys, passwords, clock, &factors};
  EXPECT_EQ(apply_kickstart(*plan, targets).users_created, 1u);
  const auto id = backend.users().find_by_username("ada")->id;
  EXPECT_TRUE(factors.summary(id).totp);
  const auto seed = *otp::seed_from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  EXPECT_EQ(factors.verify_totp(id, otp::totp(seed, clock.now())), mfa::CodeCheck::kAccepted);
  // The user removes it; applying the file again does not bring it back.
  ASSERT_TRUE(factors.remove_totp(id));
  EXPECT_EQ(apply_kickstart(*plan, targets).users_present, 1u);
  EXPECT_FALSE(factors.summary(id).totp);
  EXPECT_FALSE(parse_kickstart(R"({"users":[{"username":"bob","totp_secret":"not base32!"}]})", KickstartRules{}));
}

TEST_F(KickstartTest, AnEntryDeletedAfterItWasAppliedIsNotRecreated) {
  auto plan = parse_kickstart(kGood, KickstartRules{});
  ASSERT_TRUE(plan);
  apply(*plan);
  ASSERT_TRUE(backend.clients().remove("svc"));
  ASSERT_TRUE(backend.api_keys().remove(backend.api_keys().list().front().id));
  auto again = apply(*plan);
  EXPECT_EQ(again.applications_created, 0u);
  EXPECT_EQ(again.api_keys_created, 0u);
  EXPECT_FALSE(backend.clients().find("svc"));
  EXPECT_TRUE(backend.api_keys().list().empty());
}

TEST_F(KickstartTest, AnApiKeyMayCarryARoleAndAnExpiry) {
  auto plan = parse_kickstart(R"({"api_keys":[
      {"key":"reader-key-0123456789","role":"read_only","expires_at":1830297600},
      {"key":"never-key-0123456789","role":"admin","expires_at":null}]})",
                              KickstartRules{});
  ASSERT_TRUE(plan) << plan.error();
  EXPECT_EQ(apply(*plan).api_keys_created, 2u);
  const auto reader = backend.api_keys().find_by_hash(keys.hash("reader-key-0123456789"));
  ASSERT_TRUE(reader);
  EXPECT_EQ(reader->role, admin::ApiKeyRole::kReadOnly);
  EXPECT_EQ(reader->expires_at, 1830297600);
  const auto never = backend.api_keys().find_by_hash(keys.hash("never-key-0123456789"));
  ASSERT_TRUE(never);
  EXPECT_EQ(never->role, admin::ApiKeyRole::kAdmin);
  EXPECT_FALSE(never->expires_at);
}

TEST(Kickstart, RefusalsNameTheEntry) {
  struct Case {
    const char* doc;
    const char* where;
  };
  const Case cases[] = {
      {R"({"applications":[{"client_id":"a","client_secret":"0123456789abcdef","grant_types":"x"}]})", "applications[0].grant_types"},
      {R"({"applications":[{"client_secret":"0123456789abcdef"}]})", "applications[0].client_id"},
      {R"({"applications":[{"client_id":"a"}]})", "applications[0].client_secret"},
      {R"({"api_keys":[{"key":"short"}]})", "api_keys[0].key"},
      {R"({"api_keys":[{"key":"0123456789abcdef","extra":"x"}]})", "api_keys[0].extra"},
      {R"({"api_keys":[{"key":"0123456789abcdef","role":"root"}]})", "api_keys[0].role"},
      {R"({"api_keys":[{"key":"0123456789abcdef","expires_at":"soon"}]})", "api_keys[0].expires_at"},
      {R"({"api_keys":[{"key":"0123456789abcdef","expires_at":-1}]})", "api_keys[0].expires_at"},
      {R"({"tenants":[]})", "tenants"},
      {R"({"users":{}})", "users"},
      {R"({"users":[{"username":"a b"}]})", "users[0].username"},
      {R"({"users":[{"username":"ada","password":"short"}]})", "users[0].password"},
      {R"({"users":[{"username":"ada"},{"username":"ADA"}]})", "users[1].username"},
      {R"([1])", "JSON object"},
      {R"({"api_keys":[)", "not valid JSON"},
  };
  for (const auto& c : cases) {
    auto plan = parse_kickstart(c.doc, KickstartRules{});
    ASSERT_FALSE(plan) << c.doc;
    EXPECT_NE(plan.error().find(c.where), std::string::npos) << plan.error();
  }
}

}  // namespace
}  // namespace gatehouse::app
