#pragma once
// The contract every mfa::TotpStore backend passes (STYLE C12). Include it in exactly one .cpp of
// a test binary and instantiate it once per backend.

#include <string>

#include <gtest/gtest.h>

#include "core/testing/store_contract.hpp"
#include "mfa/testing/race.hpp"
#include "mfa/totp_store.hpp"

namespace gatehouse::mfa::testing {

using TotpStoreBackend = contract::StoreBackend<TotpStore>;
inline constexpr auto totp_backend_name = &contract::backend_name<TotpStore>;

class TotpStoreContract : public contract::StoreContract<TotpStore> {
 protected:
  static TotpFactor pending(const std::string& user_id, const std::string& sealed_seed, UnixSeconds created_at = 1000) {
    return TotpFactor{user_id, sealed_seed, false, -1, created_at, 0};
  }
  /// u1's confirmed factor, its last step 100.
  void confirmed_u1() {
    ASSERT_TRUE(store().begin(pending("u1", kSeed)));
    ASSERT_TRUE(store().confirm("u1", kSeed, 100, 1100));
  }
  inline static const std::string kSeed{std::string("\x00sealed\xff seed", 13)};  // opaque bytes, zero bytes included
};

TEST_P(TotpStoreContract, BeginStoresAPendingFactorAndReplacesAPendingOne) {
  auto f = pending("u1", kSeed);
  f.confirmed = true;  // begin() stores a pending factor whatever it is handed
  f.last_step = 7;
  f.confirmed_at = 5;
  ASSERT_TRUE(store().begin(f));
  auto found = store().find("u1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->user_id, "u1");
  EXPECT_EQ(found->sealed_seed, kSeed);
  EXPECT_FALSE(found->confirmed);
  EXPECT_EQ(found->last_step, -1);
  EXPECT_EQ(found->created_at, 1000);
  EXPECT_EQ(found->confirmed_at, 0);
  ASSERT_TRUE(store().begin(pending("u1", "newer", 1050))) << "a new enrolment replaces a pending one";
  EXPECT_EQ(store().find("u1")->sealed_seed, "newer");
  EXPECT_EQ(store().find("u1")->created_at, 1050);
  EXPECT_FALSE(store().find("u2"));
}

TEST_P(TotpStoreContract, ConfirmTakesOnlyThePendingSeedThePageShowed) {
  ASSERT_TRUE(store().begin(pending("u1", "tab-1")));
  ASSERT_TRUE(store().begin(pending("u1", "tab-2")));  // another tab began a newer enrolment
  EXPECT_FALSE(store().confirm("u1", "tab-1", 100, 1100)) << "a stale sealed seed";
  EXPECT_FALSE(store().find("u1")->confirmed);
  EXPECT_FALSE(store().confirm("u2", "tab-2", 100, 1100));
  ASSERT_TRUE(store().confirm("u1", "tab-2", 100, 1100));
  auto found = store().find("u1");
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->confirmed);
  EXPECT_EQ(found->sealed_seed, "tab-2");
  EXPECT_EQ(found->last_step, 100);
  EXPECT_EQ(found->confirmed_at, 1100);
  EXPECT_FALSE(store().confirm("u1", "tab-2", 101, 1130)) << "confirmed once";
  EXPECT_EQ(store().find("u1")->last_step, 100);
}

TEST_P(TotpStoreContract, BeginIsRefusedWhileAFactorIsConfirmed) {
  confirmed_u1();
  EXPECT_FALSE(store().begin(pending("u1", "other")));
  auto found = store().find("u1");
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->confirmed) << "nothing written";
  EXPECT_EQ(found->sealed_seed, kSeed);
  EXPECT_EQ(found->last_step, 100);
  ASSERT_TRUE(store().remove("u1"));
  EXPECT_TRUE(store().begin(pending("u1", "other"))) << "once removed";
}

TEST_P(TotpStoreContract, UseStepOnlyMovesForwardOnAConfirmedFactor) {
  ASSERT_TRUE(store().begin(pending("u1", kSeed)));
  EXPECT_FALSE(store().use_step("u1", 100)) << "a pending factor signs nobody in";
  ASSERT_TRUE(store().confirm("u1", kSeed, 100, 1100));
  EXPECT_FALSE(store().use_step("u1", 100)) << "the step that confirmed it";
  EXPECT_FALSE(store().use_step("u1", 99));
  EXPECT_TRUE(store().use_step("u1", 101));
  EXPECT_FALSE(store().use_step("u1", 101)) << "each code once";
  EXPECT_TRUE(store().use_step("u1", 105));
  EXPECT_FALSE(store().use_step("u1", 103));
  EXPECT_EQ(store().find("u1")->last_step, 105);
  EXPECT_FALSE(store().use_step("u2", 200));
}

TEST_P(TotpStoreContract, UseStepSucceedsOnceForManyRacersWithTheSameStep) {
  confirmed_u1();
  EXPECT_EQ(race_winners(8, [&](int) { return store().use_step("u1", 101); }), 1);
  EXPECT_EQ(store().find("u1")->last_step, 101);
}

TEST_P(TotpStoreContract, ConfirmSucceedsOnceForManyRacers) {
  ASSERT_TRUE(store().begin(pending("u1", kSeed)));
  EXPECT_EQ(race_winners(8, [&](int i) { return store().confirm("u1", kSeed, 100 + i, 1100); }), 1);
  EXPECT_TRUE(store().find("u1")->confirmed);
}

TEST_P(TotpStoreContract, ReplaceStoresAConfirmedFactorOverWhateverThereWas) {
  ASSERT_TRUE(store().begin(pending("u1", "pending")));
  store().replace(TotpFactor{"u1", "imported", false, -1, 2000, 2000});
  auto found = store().find("u1");
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->confirmed) << "an import is confirmed";
  EXPECT_EQ(found->sealed_seed, "imported");
  EXPECT_EQ(found->last_step, -1);
  EXPECT_EQ(found->created_at, 2000);
  EXPECT_EQ(found->confirmed_at, 2000);
  EXPECT_TRUE(store().use_step("u1", 5));
  store().replace(TotpFactor{"u1", "again", true, -1, 3000, 3000});
  EXPECT_EQ(store().find("u1")->sealed_seed, "again");
  EXPECT_EQ(store().find("u1")->last_step, -1);
  store().replace(TotpFactor{"u2", "fresh", true, -1, 3000, 3000});
  EXPECT_TRUE(store().find("u2")->confirmed);
}

TEST_P(TotpStoreContract, RemoveDeletesAPendingOrConfirmedFactor) {
  EXPECT_FALSE(store().remove("u1"));
  ASSERT_TRUE(store().begin(pending("u2", kSeed)));
  EXPECT_TRUE(store().remove("u2"));
  EXPECT_FALSE(store().find("u2"));
  confirmed_u1();
  EXPECT_TRUE(store().remove("u1"));
  EXPECT_FALSE(store().find("u1"));
  EXPECT_FALSE(store().use_step("u1", 200));
  EXPECT_FALSE(store().remove("u1"));
}

TEST_P(TotpStoreContract, OddUserIdsAreNotFound) {
  confirmed_u1();
  for (const auto& odd : kOddKeys) {
    EXPECT_FALSE(store().find(odd));
    EXPECT_FALSE(store().confirm(odd, kSeed, 200, 1100));
    EXPECT_FALSE(store().use_step(odd, 200));
    EXPECT_FALSE(store().remove(odd));
  }
  EXPECT_EQ(store().find("u1")->last_step, 100);
}

}  // namespace gatehouse::mfa::testing
