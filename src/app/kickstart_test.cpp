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

TEST(Kickstart, AppliesOnceAndThenChangesNothing) {
  storage::sqlite::SqliteBackend backend({":memory:", 2});
  backend.migrate();
  client::SecretHasher secrets(jose::random_bytes(32));
  client::SecretHasher keys(jose::random_bytes(32));
  FixedClock clock(1000);
  auto plan = parse_kickstart(kGood, {});
  ASSERT_TRUE(plan) << plan.error();
  auto first = apply_kickstart(*plan, backend.clients(), backend.api_keys(), backend.settings(), secrets, keys, clock);
  EXPECT_EQ(first.api_keys_created, 1u);
  EXPECT_EQ(first.applications_created, 1u);
  auto before = *backend.clients().find("svc");
  clock.advance(50);
  auto second = apply_kickstart(*plan, backend.clients(), backend.api_keys(), backend.settings(), secrets, keys, clock);
  EXPECT_EQ(second.api_keys_created, 0u);
  EXPECT_EQ(second.api_keys_present, 1u);
  EXPECT_EQ(second.applications_present, 1u);
  EXPECT_EQ(backend.api_keys().list().size(), 1u);
  auto after = *backend.clients().find("svc");
  EXPECT_EQ(after.updated_at, before.updated_at);
  EXPECT_EQ(after.secret_hash, before.secret_hash);
  EXPECT_TRUE(secrets.matches("svc-secret-0123456789", after.secret_hash));
}

TEST(Kickstart, AnEntryDeletedAfterItWasAppliedIsNotRecreated) {
  storage::sqlite::SqliteBackend backend({":memory:", 2});
  backend.migrate();
  client::SecretHasher secrets(jose::random_bytes(32));
  client::SecretHasher keys(jose::random_bytes(32));
  FixedClock clock(1000);
  auto plan = parse_kickstart(kGood, {});
  ASSERT_TRUE(plan);
  apply_kickstart(*plan, backend.clients(), backend.api_keys(), backend.settings(), secrets, keys, clock);
  ASSERT_TRUE(backend.clients().remove("svc"));
  ASSERT_TRUE(backend.api_keys().remove(backend.api_keys().list().front().id));
  auto again = apply_kickstart(*plan, backend.clients(), backend.api_keys(), backend.settings(), secrets, keys, clock);
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
