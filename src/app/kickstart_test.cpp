#include "app/kickstart.hpp"

#include <gtest/gtest.h>

#include "jose/openssl/crypto.hpp"
#include "storage/sqlite/sqlite_backend.hpp"

namespace gatehouse::app {
namespace {

constexpr const char* kGood = R"({
  "api_keys":[{"key":"admin-key-0123456789","description":"ops"}],
  "applications":[{"client_id":"svc","client_secret":"svc-secret-0123456789","scope":"api:read"}],
  "users":[]})";

/// A migrated in-memory store and the hashers a node would derive from its master key.
class KickstartTest : public ::testing::Test {
 protected:
  KickstartTest() : backend({":memory:", 2}), secrets(jose::random_bytes(32)), keys(jose::random_bytes(32)), clock(1000) {
    backend.migrate();
  }
  KickstartOutcome apply(const KickstartPlan& plan) {
    return apply_kickstart(plan, backend.clients(), backend.api_keys(), backend.settings(), secrets, keys, clock);
  }

  storage::sqlite::SqliteBackend backend;
  client::SecretHasher secrets;
  client::SecretHasher keys;
  FixedClock clock;
};

TEST_F(KickstartTest, AppliesOnceAndThenChangesNothing) {
  auto plan = parse_kickstart(kGood, {});
  ASSERT_TRUE(plan) << plan.error();
  auto first = apply(*plan);
  EXPECT_EQ(first.api_keys_created, 1u);
  EXPECT_EQ(first.applications_created, 1u);
  auto before = *backend.clients().find("svc");
  clock.advance(50);
  auto second = apply(*plan);
  EXPECT_EQ(second.api_keys_created, 0u);
  EXPECT_EQ(second.api_keys_present, 1u);
  EXPECT_EQ(second.applications_present, 1u);
  EXPECT_EQ(backend.api_keys().list().size(), 1u);
  auto after = *backend.clients().find("svc");
  EXPECT_EQ(after.updated_at, before.updated_at);
  EXPECT_EQ(after.secret_hash, before.secret_hash);
  EXPECT_TRUE(secrets.matches("svc-secret-0123456789", after.secret_hash));
}

TEST_F(KickstartTest, AnEntryDeletedAfterItWasAppliedIsNotRecreated) {
  auto plan = parse_kickstart(kGood, {});
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
      {R"({"tenants":[]})", "tenants"},
      {R"({"users":{}})", "users"},
      {R"([1])", "JSON object"},
      {R"({"api_keys":[)", "not valid JSON"},
  };
  for (const auto& c : cases) {
    auto plan = parse_kickstart(c.doc, {});
    ASSERT_FALSE(plan) << c.doc;
    EXPECT_NE(plan.error().find(c.where), std::string::npos) << plan.error();
  }
}

}  // namespace
}  // namespace gatehouse::app
