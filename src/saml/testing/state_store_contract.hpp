#pragma once
// The contracts every saml::ArtifactStore and saml::PersistentIdStore backend passes (STYLE C12):
// an artifact is answered once, with every byte of its message, on any node, even when many
// resolve it at the same moment, never once expired and never to another SP (nor spent by it); a persistent NameID is stored once per
// user and audience and never changes, even when first sign-ins race. Include it in exactly one
// .cpp of a test binary and instantiate it once per backend.

#include <atomic>
#include <mutex>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "core/testing/store_contract.hpp"
#include "mfa/testing/race.hpp"
#include "saml/state_store.hpp"

namespace gatehouse::saml::testing {

inline constexpr auto artifact_backend_name = &contract::backend_name<ArtifactStore>;
inline constexpr auto persistent_id_backend_name = &contract::backend_name<PersistentIdStore>;

class ArtifactStoreContract : public contract::StoreContract<ArtifactStore> {
 protected:
  static Artifact sample(const std::string& handle_hash, UnixSeconds expires_at = 1060) {
    return Artifact{handle_hash, "sp-app", "<samlp:Response ID=\"_r1\">caf\xc3\xa9 &amp; \"x\"</samlp:Response>", 1000,
                    expires_at};
  }
};

TEST_P(ArtifactStoreContract, AnArtifactIsAnsweredWithEveryFieldOnce) {
  auto a = sample(std::string("\x00h\xff", 3));
  a.message += std::string(20000, 'm');  // a signed, encrypted Response is this big
  store().insert(a);
  auto got = store().consume(a.handle_hash, "sp-app", 1000);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->handle_hash, a.handle_hash);
  EXPECT_EQ(got->client_id, a.client_id);
  EXPECT_EQ(got->message, a.message);
  EXPECT_EQ(got->created_at, a.created_at);
  EXPECT_EQ(got->expires_at, a.expires_at);
  EXPECT_FALSE(store().consume(a.handle_hash, "sp-app", 1000)) << "single use";
}

TEST_P(ArtifactStoreContract, UnknownAndExpiredArtifactsAreNotAnswered) {
  EXPECT_FALSE(store().consume("unknown", "sp-app", 1000));
  for (const auto& odd : mfa::testing::kOddKeys) EXPECT_FALSE(store().consume(odd, "sp-app", 1000));
  store().insert(sample("a1", 1060));
  EXPECT_FALSE(store().consume("a1", "sp-app", 1060)) << "expired at expires_at";
  EXPECT_EQ(store().purge_expired(1060, 10), 1u) << "left in place for the purge";
  store().insert(sample("a2", 1060));
  EXPECT_TRUE(store().consume("a2", "sp-app", 1059));
}

TEST_P(ArtifactStoreContract, AnotherSpsResolutionNeitherAnswersNorSpendsIt) {
  store().insert(sample("bound"));
  EXPECT_FALSE(store().consume("bound", "other-sp", 1000)) << "issued for sp-app";
  for (const auto& odd : mfa::testing::kOddKeys) EXPECT_FALSE(store().consume("bound", odd, 1000));
  auto got = store().consume("bound", "sp-app", 1000);
  ASSERT_TRUE(got) << "still there for its own SP";
  EXPECT_EQ(got->client_id, "sp-app");
}

TEST_P(ArtifactStoreContract, OfManyConcurrentResolutionsExactlyOneSucceedsEveryRound) {
  for (int round = 0; round < 100; ++round) {
    const auto handle = "race-" + std::to_string(round);
    store().insert(sample(handle));
    ASSERT_EQ(mfa::testing::race_winners(8, [&](int) { return store().consume(handle, "sp-app", 1000).has_value(); }), 1)
        << "round " << round;
  }
}

TEST_P(ArtifactStoreContract, PurgeDeletesOnlyExpiredInBoundedBatches) {
  store().insert(sample("old1", 1010));
  store().insert(sample("old2", 1020));
  store().insert(sample("live", 3000));
  EXPECT_EQ(store().purge_expired(1500, 1), 1u);
  EXPECT_EQ(store().purge_expired(1500, 10), 1u);
  EXPECT_EQ(store().purge_expired(1500, 10), 0u);
  EXPECT_TRUE(store().consume("live", "sp-app", 1500));
}

class PersistentIdStoreContract : public contract::StoreContract<PersistentIdStore> {};

TEST_P(PersistentIdStoreContract, TheFirstNameIdIsKeptForEverAndFoundBack) {
  EXPECT_EQ(store().name_id("u1", "https://sp.example.com/sp", "n-first", 1000), "n-first");
  EXPECT_EQ(store().name_id("u1", "https://sp.example.com/sp", "n-second", 2000), "n-first") << "stable";
  EXPECT_EQ(store().name_id("u1", "https://other.example.com/sp", "n-other", 2000), "n-other") << "pairwise";
  EXPECT_EQ(store().name_id("u2", "https://sp.example.com/sp", "n-u2", 2000), "n-u2");
  EXPECT_EQ(store().user_of("https://sp.example.com/sp", "n-first"), "u1");
  EXPECT_EQ(store().user_of("https://other.example.com/sp", "n-first"), std::nullopt) << "only at its audience";
  EXPECT_EQ(store().user_of("https://sp.example.com/sp", "n-second"), std::nullopt) << "the unused candidate";
  for (const auto& odd : mfa::testing::kOddKeys) EXPECT_EQ(store().user_of("https://sp.example.com/sp", odd), std::nullopt);
  EXPECT_EQ(store().forget_user("u1"), 2u);
  EXPECT_EQ(store().user_of("https://sp.example.com/sp", "n-first"), std::nullopt);
  EXPECT_EQ(store().user_of("https://sp.example.com/sp", "n-u2"), "u2") << "another user's stays";
}

TEST_P(PersistentIdStoreContract, FindNameIdNeverCreatesOne) {
  EXPECT_EQ(store().find_name_id("u1", "https://sp.example.com/sp"), std::nullopt);
  EXPECT_EQ(store().find_name_id("u1", "https://sp.example.com/sp"), std::nullopt) << "still none: nothing stored";
  EXPECT_EQ(store().name_id("u1", "https://sp.example.com/sp", "n-first", 1000), "n-first");
  EXPECT_EQ(store().find_name_id("u1", "https://sp.example.com/sp"), "n-first");
  EXPECT_EQ(store().find_name_id("u1", "https://other.example.com/sp"), std::nullopt) << "pairwise";
  EXPECT_EQ(store().find_name_id("u2", "https://sp.example.com/sp"), std::nullopt);
  for (const auto& odd : mfa::testing::kOddKeys) EXPECT_EQ(store().find_name_id(odd, odd), std::nullopt);
}

TEST_P(PersistentIdStoreContract, RacingFirstSignInsAgreeOnOneNameId) {
  for (int round = 0; round < 30; ++round) {
    const auto user = "racer-" + std::to_string(round);
    std::mutex mutex;
    std::set<std::string> answers;
    mfa::testing::race_winners(6, [&](int i) {
      auto got = store().name_id(user, "https://sp.example.com/sp", user + "-candidate-" + std::to_string(i), 1000);
      std::lock_guard lock(mutex);
      answers.insert(got);
      return true;
    });
    ASSERT_EQ(answers.size(), 1u) << "round " << round << ": two NameIDs for one user";
  }
}

}  // namespace gatehouse::saml::testing
