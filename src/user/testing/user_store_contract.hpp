#pragma once
// The contract every user::UserStore backend passes (STYLE C12). Include it in exactly one .cpp of
// a test binary and instantiate it once per backend (core/testing/store_contract.hpp).

#include <atomic>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/testing/store_contract.hpp"
#include "user/user_store.hpp"

namespace gatehouse::user::testing {

using UserStoreBackend = contract::StoreBackend<UserStore>;
inline constexpr auto backend_name = &contract::backend_name<UserStore>;

class UserStoreContract : public contract::StoreContract<UserStore> {
 protected:
  static User sample(const std::string& id, const std::string& username, const std::string& email = {}) {
    User u;
    u.id = id;
    u.username = username;
    u.email = email;
    u.email_verified = true;
    u.name = "Ada Lovelace";
    u.given_name = "Ada";
    u.family_name = "Lovelace";
    u.middle_name = "Augusta";
    u.nickname = "ada";
    u.picture = "https://example.com/ada.png";
    u.locale = "en-GB";
    u.phone_number = "+44 20 7946 0000";
    u.phone_number_verified = true;
    u.active = true;
    u.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
    u.created_at = 1'700'000'000;
    u.updated_at = 1'700'000'001;
    return u;
  }
};

TEST_P(UserStoreContract, InsertedUserRoundTripsEveryField) {
  auto u = sample("u1", "ada", "ada@example.com");
  ASSERT_EQ(store().insert(u), UserWriteResult::kOk);
  auto found = store().find("u1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->username, u.username);
  EXPECT_EQ(found->email, u.email);
  EXPECT_EQ(found->email_verified, u.email_verified);
  EXPECT_EQ(found->name, u.name);
  EXPECT_EQ(found->given_name, u.given_name);
  EXPECT_EQ(found->family_name, u.family_name);
  EXPECT_EQ(found->middle_name, u.middle_name);
  EXPECT_EQ(found->nickname, u.nickname);
  EXPECT_EQ(found->picture, u.picture);
  EXPECT_EQ(found->locale, u.locale);
  EXPECT_EQ(found->phone_number, u.phone_number);
  EXPECT_EQ(found->phone_number_verified, u.phone_number_verified);
  EXPECT_EQ(found->active, u.active);
  EXPECT_EQ(found->password_hash, u.password_hash);
  EXPECT_EQ(found->created_at, u.created_at);
  EXPECT_EQ(found->updated_at, u.updated_at);
  EXPECT_FALSE(found->linked());
  EXPECT_TRUE(found->groups.empty());
  EXPECT_FALSE(store().find("nobody"));
}

TEST_P(UserStoreContract, AnAccountLinkedToADirectoryEntryIsFoundByItAndRefreshedFromIt) {
  auto linked = sample("u1", "ada", "ada@example.com");
  linked.password_hash.clear();
  linked.source = "corp";
  linked.external_id = "2d7b3c10-0000-4000-8000-0000000000a1";
  linked.groups = {"admins", "engineers"};
  ASSERT_EQ(store().insert(linked), UserWriteResult::kOk);
  ASSERT_EQ(store().insert(sample("u2", "grace", "grace@example.com")), UserWriteResult::kOk);
  auto found = store().find_linked("corp", linked.external_id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, "u1");
  EXPECT_EQ(found->source, "corp");
  EXPECT_EQ(found->groups, linked.groups);
  EXPECT_FALSE(store().find_linked("other", linked.external_id)) << "an id is an id within its source only";
  EXPECT_FALSE(store().find_linked("", "")) << "local accounts are not linked to anything";

  auto twin = sample("u3", "ada-again");
  twin.source = linked.source;
  twin.external_id = linked.external_id;
  EXPECT_EQ(store().insert(twin), UserWriteResult::kLinkTaken) << "two first sign-ins at once make one account";
  EXPECT_FALSE(store().find("u3"));

  auto refreshed = linked;
  refreshed.username = "ada.lovelace";
  refreshed.name = "Ada King";
  refreshed.groups = {"engineers"};
  refreshed.active = false;
  refreshed.password_hash = "not written";
  refreshed.updated_at = 1'800'000'000;
  ASSERT_EQ(store().refresh_linked(refreshed), UserWriteResult::kOk);
  found = store().find("u1");
  EXPECT_EQ(found->username, "ada.lovelace");
  EXPECT_EQ(found->name, "Ada King");
  EXPECT_EQ(found->groups, std::vector<std::string>{"engineers"});
  EXPECT_TRUE(found->active) << "an administrator's deactivation is the administrator's";
  EXPECT_TRUE(found->password_hash.empty());
  EXPECT_EQ(found->version, 2);
  refreshed.username = "GRACE";
  EXPECT_EQ(store().refresh_linked(refreshed), UserWriteResult::kUsernameTaken);
  auto other_link = refreshed;
  other_link.username = "ada.lovelace";
  other_link.external_id = "another-entry";
  EXPECT_EQ(store().refresh_linked(other_link), UserWriteResult::kNotFound) << "only while linked to that entry";
}

TEST_P(UserStoreContract, UsernamesAndEmailsAreUniqueIgnoringCase) {
  ASSERT_EQ(store().insert(sample("u1", "ada", "ada@example.com")), UserWriteResult::kOk);
  EXPECT_EQ(store().insert(sample("u2", "ADA", "other@example.com")), UserWriteResult::kUsernameTaken);
  EXPECT_EQ(store().insert(sample("u2", "grace", "ADA@example.com")), UserWriteResult::kEmailTaken);
  // Users without an email do not collide with each other.
  EXPECT_EQ(store().insert(sample("u3", "noemail1")), UserWriteResult::kOk);
  EXPECT_EQ(store().insert(sample("u4", "noemail2")), UserWriteResult::kOk);
  EXPECT_FALSE(store().find("u2"));
  auto found = store().find_by_username("AdA");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, "u1");
}

TEST_P(UserStoreContract, UpdateReplacesFieldsButKeepsIdAndCreation) {
  ASSERT_EQ(store().insert(sample("u1", "ada", "ada@example.com")), UserWriteResult::kOk);
  ASSERT_EQ(store().insert(sample("u2", "grace", "grace@example.com")), UserWriteResult::kOk);
  auto u = sample("u1", "ada.l", "ada.l@example.com");
  u.active = false;
  u.password_hash.clear();
  u.created_at = 5;
  u.updated_at = 1'800'000'000;
  EXPECT_EQ(store().update(u), UserWriteResult::kOk);
  auto found = store().find("u1");
  EXPECT_EQ(found->username, "ada.l");
  EXPECT_FALSE(found->active);
  EXPECT_EQ(found->password_hash, sample("u1", "ada").password_hash) << "update() never writes the hash";
  EXPECT_EQ(found->created_at, 1'700'000'000);
  EXPECT_EQ(found->updated_at, 1'800'000'000);
  EXPECT_EQ(found->version, 2);
  // Taking another user's username or email is refused and changes nothing.
  auto taken = sample("u1", "GRACE", "x@example.com");
  taken.version = 2;
  EXPECT_EQ(store().update(taken), UserWriteResult::kUsernameTaken);
  taken = sample("u1", "ada2", "Grace@Example.com");
  taken.version = 2;
  EXPECT_EQ(store().update(taken), UserWriteResult::kEmailTaken);
  EXPECT_EQ(store().find("u1")->username, "ada.l");
  EXPECT_EQ(store().update(sample("nobody", "someone")), UserWriteResult::kNotFound);
}

TEST_P(UserStoreContract, AnUpdateFromAStaleReadIsRefusedAndCannotUndoADeactivation) {
  ASSERT_EQ(store().insert(sample("u1", "ada", "ada@example.com")), UserWriteResult::kOk);
  const User read_by_rename = *store().find("u1");
  User deactivate = *store().find("u1");
  deactivate.active = false;
  ASSERT_EQ(store().update(deactivate), UserWriteResult::kOk);
  User rename = read_by_rename;  // still active: written back, it would re-activate
  rename.name = "Ada L.";
  EXPECT_EQ(store().update(rename), UserWriteResult::kStale);
  const auto now = store().find("u1");
  EXPECT_FALSE(now->active);
  EXPECT_EQ(now->name, read_by_rename.name);
  EXPECT_EQ(now->version, read_by_rename.version + 1);
}

TEST_P(UserStoreContract, PasswordHashesChangeAloneAndARehashNeverRestoresAnOldOne) {
  ASSERT_EQ(store().insert(sample("u1", "ada", "ada@example.com")), UserWriteResult::kOk);
  const User before = *store().find("u1");
  // An administrator sets a new password while a sign-in that verified the old one rehashes it.
  ASSERT_TRUE(store().set_password_hash("u1", "$argon2id$new", 1'800'000'000));
  EXPECT_FALSE(store().rehash_password("u1", before.password_hash, "$argon2id$old-rehashed"));
  auto found = store().find("u1");
  EXPECT_EQ(found->password_hash, "$argon2id$new");
  EXPECT_EQ(found->updated_at, 1'800'000'000);
  EXPECT_EQ(found->version, before.version + 1) << "has_password and updated_at are shown";
  EXPECT_TRUE(store().rehash_password("u1", "$argon2id$new", "$argon2id$new-rehashed"));
  EXPECT_EQ(store().find("u1")->password_hash, "$argon2id$new-rehashed");
  EXPECT_EQ(store().find("u1")->version, before.version + 1) << "a rehash changes nothing the API shows";
  EXPECT_FALSE(store().set_password_hash("nobody", "x", 1));
  EXPECT_FALSE(store().rehash_password("nobody", "x", "y"));
}

TEST_P(UserStoreContract, AUsersOwnPasswordChangeReplacesOnlyTheHashItVerifiedInOneWrite) {
  ASSERT_EQ(store().insert(sample("u1", "ada", "ada@example.com")), UserWriteResult::kOk);
  const User before = *store().find("u1");
  ASSERT_TRUE(store().change_password_hash("u1", before.password_hash, "$argon2id$mine", 1'800'000'000));
  auto found = store().find("u1");
  EXPECT_EQ(found->password_hash, "$argon2id$mine");
  EXPECT_EQ(found->updated_at, 1'800'000'000);
  EXPECT_EQ(found->version, before.version + 1) << "has_password and updated_at are shown";
  // The second post of the same form verified the old hash: it changes nothing.
  EXPECT_FALSE(store().change_password_hash("u1", before.password_hash, "$argon2id$again", 1'800'000'001));
  // An administrator's reset meanwhile is never undone by a change that verified the hash before it.
  ASSERT_TRUE(store().set_password_hash("u1", "$argon2id$reset", 1'800'000'002));
  EXPECT_FALSE(store().change_password_hash("u1", "$argon2id$mine", "$argon2id$late", 1'800'000'003));
  found = store().find("u1");
  EXPECT_EQ(found->password_hash, "$argon2id$reset");
  EXPECT_EQ(found->version, before.version + 2);
  EXPECT_FALSE(store().change_password_hash("nobody", "x", "y", 1));
}

TEST_P(UserStoreContract, TheTokenCutOffOnlyMovesForward) {
  ASSERT_EQ(store().insert(sample("u1", "ada", "ada@example.com")), UserWriteResult::kOk);
  EXPECT_EQ(store().find("u1")->tokens_valid_after, 0);
  EXPECT_TRUE(store().revoke_tokens_before("u1", 1'800'000'000));
  EXPECT_TRUE(store().revoke_tokens_before("u1", 1'700'000'000));
  const auto found = store().find("u1");
  EXPECT_EQ(found->tokens_valid_after, 1'800'000'000);
  EXPECT_EQ(found->version, 1);
  EXPECT_FALSE(store().revoke_tokens_before("nobody", 1));
}

TEST_P(UserStoreContract, ListFiltersAndPagesInUsernameOrder) {
  for (const char* name : {"carol", "alice", "bob", "dave"})
    ASSERT_EQ(store().insert(sample(std::string("id-") + name, name, std::string(name) + "@example.com")), UserWriteResult::kOk);
  auto page = store().list({}, 1, 2);
  EXPECT_EQ(page.total, 4u);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].username, "bob");
  EXPECT_EQ(page.items[1].username, "carol");
  auto by_name = store().list({"BOB", ""}, 0, 10);
  ASSERT_EQ(by_name.total, 1u);
  EXPECT_EQ(by_name.items[0].id, "id-bob");
  auto by_email = store().list({"", "Dave@Example.com"}, 0, 10);
  ASSERT_EQ(by_email.total, 1u);
  EXPECT_EQ(by_email.items[0].id, "id-dave");
  EXPECT_EQ(store().list({"nobody", ""}, 0, 10).total, 0u);
}

TEST_P(UserStoreContract, RemoveDeletesTheUser) {
  ASSERT_EQ(store().insert(sample("u1", "ada")), UserWriteResult::kOk);
  EXPECT_TRUE(store().remove("u1"));
  EXPECT_FALSE(store().remove("u1"));
  EXPECT_FALSE(store().find("u1"));
}

TEST_P(UserStoreContract, FailuresCountForNamesWithoutAUserAndExpiredCountersArePurged) {
  EXPECT_EQ(store().record_failed_login("nobody", 1000, 300, 2, 900).count, 1);
  EXPECT_EQ(store().record_failed_login("nobody", 1001, 300, 2, 900).locked_until, 1901);
  store().record_failed_login("recent", 5000, 300, 2, 900);
  EXPECT_EQ(store().purge_failed_logins(1500, 10), 0u) << "still locked";
  EXPECT_EQ(store().purge_failed_logins(2000, 10), 1u);
  EXPECT_EQ(store().failed_logins("nobody").count, 0);
  EXPECT_EQ(store().failed_logins("recent").count, 1);
}

TEST_P(UserStoreContract, FailedLoginsCountInAWindowAndLockAtTheThreshold) {
  ASSERT_EQ(store().insert(sample("u1", "ada")), UserWriteResult::kOk);
  EXPECT_EQ(store().record_failed_login("u1", 1000, 300, 3, 900).count, 1);
  EXPECT_EQ(store().record_failed_login("u1", 1100, 300, 3, 900).count, 2);
  auto third = store().record_failed_login("u1", 1200, 300, 3, 900);
  EXPECT_EQ(third.count, 3);
  EXPECT_EQ(third.locked_until, 2100);
  EXPECT_EQ(store().failed_logins("u1").locked_until, 2100);
  // A failure after the window starts a new count.
  auto later = store().record_failed_login("u1", 5000, 300, 3, 900);
  EXPECT_EQ(later.count, 1);
  EXPECT_EQ(later.window_started_at, 5000);
  store().reset_failed_logins("u1");
  EXPECT_EQ(store().failed_logins("u1").count, 0);
  EXPECT_EQ(store().failed_logins("u1").locked_until, 0);
}

TEST_P(UserStoreContract, ConcurrentFailuresAreAllCounted) {
  ASSERT_EQ(store().insert(sample("u1", "ada")), UserWriteResult::kOk);
  constexpr int kThreads = 8;
  constexpr int kEach = 5;
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      for (int j = 0; j < kEach; ++j) store().record_failed_login("u1", 1000, 300, 1000, 900);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(store().failed_logins("u1").count, kThreads * kEach);
}

}  // namespace gatehouse::user::testing
