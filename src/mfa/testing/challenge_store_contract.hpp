#pragma once
// The contract every mfa::ChallengeStore backend passes (STYLE C12). Include it in exactly one .cpp
// of a test binary and instantiate it once per backend.

#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "core/testing/store_contract.hpp"
#include "mfa/challenge_store.hpp"
#include "mfa/testing/race.hpp"

namespace gatehouse::mfa::testing {

using ChallengeStoreBackend = contract::StoreBackend<ChallengeStore>;
inline constexpr auto challenge_backend_name = &contract::backend_name<ChallengeStore>;

class ChallengeStoreContract : public contract::StoreContract<ChallengeStore> {
 protected:
  static Challenge sample(const std::string& challenge, UnixSeconds expires_at = 1300) {
    return Challenge{challenge, "authenticate", "u1", "tx-1", expires_at};
  }
};

TEST_P(ChallengeStoreContract, ConsumeAnswersEveryFieldOnce) {
  Challenge c{"Q2hhbGxlbmdlLTE", "register", "u1", std::string("tx\0\xff", 4), 1300};  // context: any bytes
  store().insert(c);
  store().insert(Challenge{"other", "authenticate", "", "", 1300});  // a passkey sign-in
  auto found = store().consume(c.challenge, 1000);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->challenge, c.challenge);
  EXPECT_EQ(found->purpose, "register");
  EXPECT_EQ(found->user_id, "u1");
  EXPECT_EQ(found->context, c.context);
  EXPECT_EQ(found->expires_at, 1300);
  EXPECT_FALSE(store().consume(c.challenge, 1000)) << "single use";
  EXPECT_FALSE(store().consume("unknown", 1000));
  auto other = store().consume("other", 1000);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->user_id, "");
  EXPECT_EQ(other->context, "");
}

TEST_P(ChallengeStoreContract, AnExpiredChallengeIsNotAnswered) {
  store().insert(sample("c1", 1300));
  EXPECT_FALSE(store().consume("c1", 1300)) << "expired at expires_at";
  EXPECT_FALSE(store().consume("c1", 1299)) << "and not brought back";
  store().insert(sample("c2", 1300));
  EXPECT_TRUE(store().consume("c2", 1299));
}

TEST_P(ChallengeStoreContract, ManyRacersConsumeAChallengeOnce) {
  store().insert(sample("c1"));
  EXPECT_EQ(race_winners(8, [&](int) { return store().consume("c1", 1000).has_value(); }), 1);
}

TEST_P(ChallengeStoreContract, PurgeDeletesOnlyExpiredInBoundedBatches) {
  store().insert(sample("old1", 1100));
  store().insert(sample("old2", 1200));
  store().insert(sample("old3", 1250));
  store().insert(sample("live", 3000));
  EXPECT_EQ(store().purge_expired(1500, 0), 0u);
  EXPECT_EQ(store().purge_expired(1500, 2), 2u);
  EXPECT_EQ(store().purge_expired(1500, 10), 1u);
  EXPECT_EQ(store().purge_expired(1500, 10), 0u);
  EXPECT_TRUE(store().consume("live", 1500));
}

TEST_P(ChallengeStoreContract, OddChallengesAreNotFound) {
  store().insert(sample("c1"));
  for (const auto& odd : kOddKeys) EXPECT_FALSE(store().consume(odd, 1000));
  EXPECT_TRUE(store().consume("c1", 1000));
}

}  // namespace gatehouse::mfa::testing
