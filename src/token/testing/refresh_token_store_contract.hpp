#pragma once
// The contract every token::RefreshTokenStore backend passes (STYLE C12): rotation is atomic,
// a use inside the grace window replays the first answer, a replay after it revokes the grant,
// and revoking a grant reaches the access tokens issued from it (through the RevocationStore of
// the same backend).

#include <atomic>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/testing/store_contract.hpp"
#include "token/code_store.hpp"
#include "token/refresh_token_store.hpp"
#include "token/revocation_store.hpp"

namespace gatehouse::token::testing {

/// The two ports of one backend that grant revocation spans.
struct GrantStores {
  RefreshTokenStore& refresh;
  RevocationStore& revocations;
  CodeStore& codes;
};

using RefreshTokenStoreBackend = contract::StoreBackend<GrantStores>;
inline constexpr auto refresh_backend_name = &contract::backend_name<GrantStores>;

class RefreshTokenStoreContract : public contract::StoreContract<GrantStores> {
 protected:
  RefreshTokenStore& refresh() { return store().refresh; }
  RevocationStore& revocations() { return store().revocations; }

  static RefreshToken sample(const std::string& hash, const std::string& grant = "g1", UnixSeconds expires_at = 5000) {
    return RefreshToken{hash, grant, "web", "u1", "openid offline_access", {"sid-1", 900, "pwd"}, 1000, expires_at};
  }
};

TEST_P(RefreshTokenStoreContract, RotationReplacesTheTokenWithItsSuccessor) {
  refresh().insert(sample(std::string("\x00r1", 3)));
  auto active = refresh().find_active(std::string("\x00r1", 3), 1100);
  ASSERT_TRUE(active);
  EXPECT_EQ(active->grant_id, "g1");
  EXPECT_EQ(active->client_id, "web");
  EXPECT_EQ(active->user_id, "u1");
  EXPECT_EQ(active->scope, "openid offline_access");
  EXPECT_EQ(active->sign_in.sid, "sid-1");
  EXPECT_EQ(active->sign_in.auth_time, 900);
  EXPECT_EQ(active->sign_in.amr, "pwd");
  EXPECT_EQ(active->created_at, 1000);
  EXPECT_EQ(active->expires_at, 5000);

  auto r = refresh().rotate(std::string("\x00r1", 3), sample("r2"), "sealed-answer-1", 1100, 10);
  ASSERT_EQ(r.outcome, RotateOutcome::kRotated);
  ASSERT_TRUE(r.token);
  EXPECT_EQ(r.token->grant_id, "g1");
  EXPECT_FALSE(refresh().find_active(std::string("\x00r1", 3), 1101)) << "a rotated token is no longer active";
  EXPECT_TRUE(refresh().find_active("r2", 1101));
}

TEST_P(RefreshTokenStoreContract, ASecondUseInsideTheGraceWindowGetsTheFirstAnswer) {
  refresh().insert(sample("r1"));
  ASSERT_EQ(refresh().rotate("r1", sample("r2"), "sealed-answer-1", 1100, 10).outcome, RotateOutcome::kRotated);
  auto again = refresh().rotate("r1", sample("r2b"), "sealed-answer-2", 1110, 10);
  EXPECT_EQ(again.outcome, RotateOutcome::kGrace);
  EXPECT_EQ(again.previous_response, "sealed-answer-1");
  EXPECT_FALSE(refresh().find_active("r2b", 1110)) << "a grace use stores no second successor";
  EXPECT_TRUE(refresh().find_active("r2", 1110)) << "and revokes nothing";
}

TEST_P(RefreshTokenStoreContract, AReplayAfterTheGraceWindowRevokesTheWholeGrant) {
  refresh().insert(sample("r1"));
  refresh().record_access_token("g1", "jti-a", 4000);
  ASSERT_EQ(refresh().rotate("r1", sample("r2"), "answer", 1100, 10).outcome, RotateOutcome::kRotated);
  refresh().record_access_token("g1", "jti-b", 4000);
  auto replay = refresh().rotate("r1", sample("r3"), "answer-3", 1111, 10);
  EXPECT_EQ(replay.outcome, RotateOutcome::kReplayed);
  EXPECT_TRUE(replay.previous_response.empty());
  EXPECT_FALSE(refresh().find_active("r2", 1112)) << "the successor dies with its family";
  EXPECT_FALSE(refresh().find_active("r3", 1112));
  EXPECT_TRUE(revocations().is_revoked("jti-a"));
  EXPECT_TRUE(revocations().is_revoked("jti-b"));
  EXPECT_EQ(refresh().rotate("r2", sample("r4"), "x", 1113, 10).outcome, RotateOutcome::kRevoked);
}

TEST_P(RefreshTokenStoreContract, UnknownExpiredAndOtherGrantsAreUntouched) {
  EXPECT_EQ(refresh().rotate("nope", sample("r2"), "x", 1100, 10).outcome, RotateOutcome::kUnknown);
  refresh().insert(sample("old", "g1", 1050));
  EXPECT_EQ(refresh().rotate("old", sample("r2"), "x", 1100, 10).outcome, RotateOutcome::kExpired);
  EXPECT_FALSE(refresh().find_active("r2", 1100));
  refresh().insert(sample("other", "g2"));
  refresh().record_access_token("g2", "jti-other", 4000);
  EXPECT_GT(refresh().revoke_grant("g1", 1100) + 1, 0u);
  EXPECT_TRUE(refresh().find_active("other", 1100));
  EXPECT_FALSE(revocations().is_revoked("jti-other"));
}

TEST_P(RefreshTokenStoreContract, TokensIssuedFromARevokedGrantAreBornRevoked) {
  refresh().insert(sample("r1"));
  EXPECT_EQ(refresh().revoke_grant("g1", 1100), 1u);
  EXPECT_EQ(refresh().revoke_grant("g1", 1101), 0u) << "idempotent";
  refresh().insert(sample("late", "g1"));
  refresh().record_access_token("g1", "jti-late", 4000);
  EXPECT_FALSE(refresh().find_active("late", 1102));
  EXPECT_TRUE(revocations().is_revoked("jti-late"));
}

TEST_P(RefreshTokenStoreContract, RevokingAUsersGrantsReachesEveryFamilyCodeAndAccessTokenOfThatUserOnly) {
  refresh().insert(sample("a1", "ga"));
  refresh().insert(sample("b1", "gb"));
  auto other = sample("o1", "go");
  other.user_id = "u2";
  refresh().insert(other);
  // A code issued before the sign-out and not yet redeemed.
  AuthorizationCode code{"c1", "gc", "web", "https://app/cb", "u1", "openid", "", "", "", "sid-1", 900, "pwd", 1000, 1060};
  store().codes.insert(code);
  EXPECT_EQ(refresh().revoke_user_grants("u1", 1100), 2u);
  EXPECT_FALSE(refresh().find_active("a1", 1101));
  EXPECT_FALSE(refresh().find_active("b1", 1101));
  EXPECT_TRUE(refresh().find_active("o1", 1101)) << "another user's family is untouched";
  EXPECT_TRUE(revocations().is_revoked("ga.any"));
  EXPECT_TRUE(revocations().is_revoked("gb.any"));
  EXPECT_FALSE(revocations().is_revoked("go.any"));
  // The code is still redeemable once, but whatever it issues is born revoked.
  EXPECT_TRUE(revocations().is_revoked("gc.any"));
  auto late = sample("c-rt", "gc");
  refresh().insert(late);
  EXPECT_FALSE(refresh().find_active("c-rt", 1101));
  EXPECT_EQ(refresh().revoke_user_grants("u1", 1200), 0u) << "idempotent";
  EXPECT_EQ(refresh().revoke_user_grants("nobody", 1200), 0u);
}

TEST_P(RefreshTokenStoreContract, ExactlyOneOfManyConcurrentRotationsRotates) {
  refresh().insert(sample("r1"));
  constexpr int kThreads = 8;
  std::atomic<int> rotated{0};
  std::atomic<int> grace{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      auto r = refresh().rotate("r1", sample("succ-" + std::to_string(i)), "answer-" + std::to_string(i), 1100, 10);
      if (r.outcome == RotateOutcome::kRotated) rotated.fetch_add(1);
      if (r.outcome == RotateOutcome::kGrace) grace.fetch_add(1);
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(rotated.load(), 1);
  EXPECT_EQ(grace.load(), kThreads - 1);
  int active = 0;
  for (int i = 0; i < kThreads; ++i) active += refresh().find_active("succ-" + std::to_string(i), 1100) ? 1 : 0;
  EXPECT_EQ(active, 1) << "exactly one successor exists";
}

TEST_P(RefreshTokenStoreContract, PurgeDeletesExpiredTokensAndRecords) {
  refresh().insert(sample("old", "g1", 1050));
  refresh().insert(sample("live", "g1", 5000));
  refresh().record_access_token("g1", "jti-old", 1050);
  EXPECT_GE(refresh().purge_expired(1100, 10), 2u);
  EXPECT_TRUE(refresh().find_active("live", 1100));
  EXPECT_EQ(refresh().rotate("old", sample("x"), "x", 1100, 10).outcome, RotateOutcome::kUnknown);
}

TEST_P(RefreshTokenStoreContract, AGrantLivesAsLongAsItsNewestTokenAcrossRotationsAndPurges) {
  // The first token expires at 1200; each rotation's successor lives longer than the grant began.
  refresh().insert(sample("t1", "g1", 1200));
  ASSERT_EQ(refresh().rotate("t1", sample("t2", "g1", 3000), "a1", 1100, 10).outcome, RotateOutcome::kRotated);
  EXPECT_GE(refresh().purge_expired(2000, 100), 1u) << "t1 expired";
  // The grant is still there for t2: it rotates, and revoking the grant reaches its successor.
  ASSERT_EQ(refresh().rotate("t2", sample("t3", "g1", 4000), "a2", 2100, 10).outcome, RotateOutcome::kRotated);
  EXPECT_TRUE(refresh().find_active("t3", 2100));
  EXPECT_GE(refresh().revoke_grant("g1", 2200), 1u);
  EXPECT_FALSE(refresh().find_active("t3", 2200));
  EXPECT_EQ(refresh().rotate("t3", sample("t4", "g1", 5000), "a3", 2300, 10).outcome, RotateOutcome::kRevoked);
}

}  // namespace gatehouse::token::testing
