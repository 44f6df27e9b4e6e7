#pragma once
// The contract every mfa::PasskeyStore backend passes (STYLE C12). Include it in exactly one .cpp
// of a test binary and instantiate it once per backend.

#include <string>

#include <gtest/gtest.h>

#include "core/testing/store_contract.hpp"
#include "mfa/passkey_store.hpp"
#include "mfa/testing/race.hpp"

namespace gatehouse::mfa::testing {

using PasskeyStoreBackend = contract::StoreBackend<PasskeyStore>;
inline constexpr auto passkey_backend_name = &contract::backend_name<PasskeyStore>;

class PasskeyStoreContract : public contract::StoreContract<PasskeyStore> {
 protected:
  static Passkey sample(const std::string& credential_id, const std::string& user_id = "u1",
                        UnixSeconds created_at = 1000) {
    Passkey k;
    k.credential_id = credential_id;
    k.user_id = user_id;
    k.name = "YubiKey \xc3\xa9";
    k.public_key = std::string("\xa5\x01\x02\x03\x26\x20\x01\x21\x58\x20\x00\x00", 12);  // COSE_Key bytes
    k.algorithm = -7;
    k.sign_count = 5;
    k.user_verified = true;
    k.backup_eligible = true;
    k.backup_state = false;
    k.discoverable = true;
    k.transports = "usb nfc";
    k.aaguid = "ee882879721c491397753dfcce97072a";
    k.created_at = created_at;
    return k;
  }

  static void expect_same(const Passkey& want, const Passkey& got) {
    EXPECT_EQ(got.credential_id, want.credential_id);
    EXPECT_EQ(got.user_id, want.user_id);
    EXPECT_EQ(got.name, want.name);
    EXPECT_EQ(got.public_key, want.public_key);
    EXPECT_EQ(got.algorithm, want.algorithm);
    EXPECT_EQ(got.sign_count, want.sign_count);
    EXPECT_EQ(got.user_verified, want.user_verified);
    EXPECT_EQ(got.backup_eligible, want.backup_eligible);
    EXPECT_EQ(got.backup_state, want.backup_state);
    EXPECT_EQ(got.discoverable, want.discoverable);
    EXPECT_EQ(got.transports, want.transports);
    EXPECT_EQ(got.aaguid, want.aaguid);
    EXPECT_EQ(got.flagged, want.flagged);
    EXPECT_EQ(got.created_at, want.created_at);
    EXPECT_EQ(got.last_used_at, want.last_used_at);
  }
};

TEST_P(PasskeyStoreContract, InsertThenFindRoundTripsEveryField) {
  auto k = sample("Y3JlZC0x");
  ASSERT_TRUE(store().insert(k));
  auto found = store().find("Y3JlZC0x");
  ASSERT_TRUE(found);
  expect_same(k, *found);
  auto other = sample("Y3JlZC0y", "u2");
  other.algorithm = -257;
  other.sign_count = 0;
  other.user_verified = false;
  other.backup_eligible = false;
  other.backup_state = false;
  other.discoverable = false;
  other.name = std::string("any\0bytes\xff", 10);
  other.transports = "";
  other.flagged = true;
  other.last_used_at = 1500;
  ASSERT_TRUE(store().insert(other));
  expect_same(other, store().find("Y3JlZC0y").value());
  EXPECT_FALSE(store().find("Y3JlZC0"));
  EXPECT_FALSE(store().find("y3jlzc0x")) << "ids compare exactly";
}

TEST_P(PasskeyStoreContract, ATakenCredentialIdIsRefusedEvenForAnotherUser) {
  ASSERT_TRUE(store().insert(sample("cred")));
  auto again = sample("cred", "u2", 2000);
  again.name = "Thief";
  EXPECT_FALSE(store().insert(again));
  auto found = store().find("cred");
  ASSERT_TRUE(found);
  expect_same(sample("cred"), *found);
  EXPECT_TRUE(store().list_user("u2").empty());
}

TEST_P(PasskeyStoreContract, ManyRacersRegisteringOneCredentialIdSucceedOnce) {
  EXPECT_EQ(race_winners(8, [&](int i) { return store().insert(sample("cred", "u" + std::to_string(i))); }), 1);
  EXPECT_TRUE(store().find("cred"));
}

TEST_P(PasskeyStoreContract, ListUserAnswersTheUsersPasskeysOldestFirst) {
  ASSERT_TRUE(store().insert(sample("c", "u1", 3000)));
  ASSERT_TRUE(store().insert(sample("a", "u1", 2000)));
  ASSERT_TRUE(store().insert(sample("b", "u2", 1000)));
  ASSERT_TRUE(store().insert(sample("d", "u1", 1000)));
  const auto list = store().list_user("u1");
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].credential_id, "d");
  EXPECT_EQ(list[1].credential_id, "a");
  EXPECT_EQ(list[2].credential_id, "c");
  expect_same(sample("a", "u1", 2000), list[1]);
  EXPECT_TRUE(store().list_user("u3").empty());
}

TEST_P(PasskeyStoreContract, RecordUseWritesOnlyOverTheCountTheCallerRead) {
  ASSERT_TRUE(store().insert(sample("cred")));
  EXPECT_FALSE(store().record_use("cred", 4, 6, true, 1100)) << "a stale count";
  EXPECT_TRUE(store().record_use("cred", 5, 6, true, 1100));
  auto found = store().find("cred");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->sign_count, 6);
  EXPECT_TRUE(found->backup_state);
  EXPECT_EQ(found->last_used_at, 1100);
  EXPECT_FALSE(store().record_use("cred", 5, 7, false, 1200)) << "the count moved on";
  EXPECT_TRUE(store().record_use("cred", 6, 9, false, 1200));
  EXPECT_FALSE(store().find("cred")->backup_state);
  EXPECT_FALSE(store().record_use("nope", 0, 1, false, 1200));
  // An authenticator without a counter always reports 0.
  auto counterless = sample("counterless");
  counterless.sign_count = 0;
  ASSERT_TRUE(store().insert(counterless));
  EXPECT_TRUE(store().record_use("counterless", 0, 0, false, 1300));
  EXPECT_EQ(store().find("counterless")->last_used_at, 1300);
}

TEST_P(PasskeyStoreContract, RecordUseSucceedsOnceForManyRacersWithTheSameCount) {
  ASSERT_TRUE(store().insert(sample("cred")));
  EXPECT_EQ(race_winners(8, [&](int) { return store().record_use("cred", 5, 6, false, 1100); }), 1);
  EXPECT_EQ(store().find("cred")->sign_count, 6);
}

TEST_P(PasskeyStoreContract, AFlaggedPasskeyIsRefused) {
  ASSERT_TRUE(store().insert(sample("cred")));
  EXPECT_FALSE(store().flag("cred", 4)) << "judged on a count read before another use: not flagged";
  EXPECT_FALSE(store().find("cred")->flagged);
  EXPECT_TRUE(store().flag("cred", 5));
  EXPECT_TRUE(store().find("cred")->flagged);
  EXPECT_FALSE(store().record_use("cred", 5, 6, false, 1100));
  EXPECT_EQ(store().find("cred")->sign_count, 5);
  EXPECT_TRUE(store().flag("cred", 5)) << "flagged already: still there";
  EXPECT_FALSE(store().flag("nope", 0));
}

TEST_P(PasskeyStoreContract, OnlyTheOwnerRenamesOrRemovesAPasskey) {
  ASSERT_TRUE(store().insert(sample("cred")));
  EXPECT_FALSE(store().rename("u2", "cred", "Mine now"));
  EXPECT_FALSE(store().rename("u1", "nope", "Phone"));
  const std::string name("Phone \0\xff", 8);  // any bytes
  EXPECT_TRUE(store().rename("u1", "cred", name));
  EXPECT_EQ(store().find("cred")->name, name);
  EXPECT_FALSE(store().remove("u2", "cred"));
  EXPECT_TRUE(store().find("cred"));
  EXPECT_TRUE(store().remove("u1", "cred"));
  EXPECT_FALSE(store().find("cred"));
  EXPECT_FALSE(store().remove("u1", "cred"));
}

TEST_P(PasskeyStoreContract, RemoveAllDeletesEveryPasskeyOfTheUser) {
  ASSERT_TRUE(store().insert(sample("a")));
  ASSERT_TRUE(store().insert(sample("b")));
  ASSERT_TRUE(store().insert(sample("c", "u2")));
  EXPECT_EQ(store().remove_all("u1"), 2u);
  EXPECT_TRUE(store().list_user("u1").empty());
  EXPECT_EQ(store().remove_all("u1"), 0u);
  EXPECT_TRUE(store().find("c"));
}

TEST_P(PasskeyStoreContract, OddIdsAreNotFound) {
  ASSERT_TRUE(store().insert(sample("cred")));
  for (const auto& odd : kOddKeys) {
    EXPECT_FALSE(store().find(odd));
    EXPECT_TRUE(store().list_user(odd).empty());
    EXPECT_FALSE(store().record_use(odd, 5, 6, false, 1100));
    EXPECT_FALSE(store().flag(odd, 0));
    EXPECT_FALSE(store().rename(odd, "cred", "x"));
    EXPECT_FALSE(store().rename("u1", odd, "x"));
    EXPECT_FALSE(store().remove(odd, "cred"));
    EXPECT_FALSE(store().remove("u1", odd));
    EXPECT_EQ(store().remove_all(odd), 0u);
  }
  expect_same(sample("cred"), store().find("cred").value());
}

}  // namespace gatehouse::mfa::testing
