#pragma once
// The contract every mfa::RecoveryCodeStore backend passes (STYLE C12). Include it in exactly one
// .cpp of a test binary and instantiate it once per backend.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/testing/store_contract.hpp"
#include "mfa/recovery_code_store.hpp"
#include "mfa/testing/race.hpp"

namespace gatehouse::mfa::testing {

using RecoveryCodeStoreBackend = contract::StoreBackend<RecoveryCodeStore>;
inline constexpr auto recovery_code_backend_name = &contract::backend_name<RecoveryCodeStore>;

class RecoveryCodeStoreContract : public contract::StoreContract<RecoveryCodeStore> {
 protected:
  /// A keyed hash: opaque bytes, zero bytes included.
  static std::string hash(int n) { return std::string("\x00\xffhash-", 7) + std::to_string(n); }
  static std::vector<std::string> hashes(int first, int count) {
    std::vector<std::string> out;
    for (int i = first; i < first + count; ++i) out.push_back(hash(i));
    return out;
  }
};

TEST_P(RecoveryCodeStoreContract, EachCodeIsUsableOnce) {
  store().replace("u1", hashes(1, 3), 1000);
  EXPECT_EQ(store().remaining("u1"), 3u);
  EXPECT_TRUE(store().use("u1", hash(2), 1100));
  EXPECT_FALSE(store().use("u1", hash(2), 1200)) << "used";
  EXPECT_EQ(store().remaining("u1"), 2u);
  EXPECT_FALSE(store().use("u1", hash(9), 1100)) << "unknown";
  EXPECT_FALSE(store().use("u2", hash(1), 1100)) << "another user's code";
  EXPECT_FALSE(store().use("u1", hash(1).substr(0, 3), 1100)) << "a prefix up to a zero byte";
  EXPECT_FALSE(store().use("u1", hash(1) + std::string(1, '\0'), 1100)) << "longer";
  EXPECT_TRUE(store().use("u1", hash(1), 1100));
  EXPECT_TRUE(store().use("u1", hash(3), 1100));
  EXPECT_EQ(store().remaining("u1"), 0u);
  EXPECT_EQ(store().remaining("u2"), 0u);
}

TEST_P(RecoveryCodeStoreContract, ReplaceDropsTheWholeOldSetUsedOrNot) {
  store().replace("u1", hashes(1, 3), 1000);
  store().replace("u2", hashes(1, 2), 1000);
  ASSERT_TRUE(store().use("u1", hash(1), 1100));
  store().replace("u1", hashes(4, 2), 1200);
  EXPECT_EQ(store().remaining("u1"), 2u);
  EXPECT_FALSE(store().use("u1", hash(2), 1300)) << "an old code";
  EXPECT_TRUE(store().use("u1", hash(4), 1300));
  EXPECT_EQ(store().remaining("u2"), 2u) << "another user's set is untouched";
  store().replace("u1", {hash(7), hash(7)}, 1400);
  EXPECT_EQ(store().remaining("u1"), 1u) << "a hash listed twice is one code";
  store().replace("u1", {}, 1500);
  EXPECT_EQ(store().remaining("u1"), 0u);
}

TEST_P(RecoveryCodeStoreContract, ACodeUsedByManyRacersSucceedsOnce) {
  store().replace("u1", hashes(1, 2), 1000);
  EXPECT_EQ(race_winners(8, [&](int) { return store().use("u1", hash(1), 1100); }), 1);
  EXPECT_EQ(store().remaining("u1"), 1u);
}

TEST_P(RecoveryCodeStoreContract, RacingReplacesLeaveOneWholeSet) {
  store().replace("u1", hashes(100, 3), 1000);
  for (int round = 0; round < 10; ++round) {  // later rounds race on warm connections
    race_winners(6, [&](int i) {
      store().replace("u1", hashes(10 * i, 4), 1100);
      return true;
    });
    ASSERT_EQ(store().remaining("u1"), 4u) << "never a mix of two sets (round " << round << ")";
  }
  int usable_sets = 0;
  for (int i = 0; i < 6; ++i) {
    int usable = 0;
    for (const auto& h : hashes(10 * i, 4)) usable += store().use("u1", h, 1200) ? 1 : 0;
    if (usable != 0) {
      EXPECT_EQ(usable, 4);
      ++usable_sets;
    }
  }
  EXPECT_EQ(usable_sets, 1);
}

TEST_P(RecoveryCodeStoreContract, RemoveAllDeletesEveryCodeOfTheUser) {
  store().replace("u1", hashes(1, 3), 1000);
  store().replace("u2", hashes(1, 2), 1000);
  ASSERT_TRUE(store().use("u1", hash(1), 1100));
  EXPECT_EQ(store().remove_all("u1"), 3u) << "used ones too";
  EXPECT_EQ(store().remaining("u1"), 0u);
  EXPECT_FALSE(store().use("u1", hash(2), 1100));
  EXPECT_EQ(store().remove_all("u1"), 0u);
  EXPECT_EQ(store().remaining("u2"), 2u);
}

TEST_P(RecoveryCodeStoreContract, OddUserIdsHaveNoCodes) {
  store().replace("u1", hashes(1, 1), 1000);
  for (const auto& odd : kOddKeys) {
    EXPECT_FALSE(store().use(odd, hash(1), 1100));
    EXPECT_EQ(store().remaining(odd), 0u);
    EXPECT_EQ(store().remove_all(odd), 0u);
  }
  EXPECT_EQ(store().remaining("u1"), 1u);
}

}  // namespace gatehouse::mfa::testing
