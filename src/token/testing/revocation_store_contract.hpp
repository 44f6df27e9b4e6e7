#pragma once
// The contract every token::RevocationStore backend passes (STYLE C12). It defines the tests, so
// include it in exactly one .cpp of a test binary, and instantiate it once per backend:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, RevocationStoreContract,
//       ::testing::Values(RevocationStoreBackend{"Memory", [] { return make_my_store(); }}),
//       gatehouse::token::testing::backend_name);
//
// make() returns a fresh, empty, migrated store; the shared_ptr owns whatever keeps it alive.

#include <atomic>
#include <functional>
#include <latch>
#include <limits>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/testing/store_contract.hpp"
#include "token/revocation_store.hpp"

namespace gatehouse::token::testing {

using RevocationStoreBackend = contract::StoreBackend<RevocationStore>;

inline constexpr auto backend_name = &contract::backend_name<RevocationStore>;

class RevocationStoreContract : public contract::StoreContract<RevocationStore> {};

TEST_P(RevocationStoreContract, UnknownTokenIsNotRevoked) {
  EXPECT_FALSE(store().is_revoked("jti-unknown"));
  EXPECT_FALSE(store().is_revoked(""));
}

TEST_P(RevocationStoreContract, RevokedTokenIsRevokedAndOthersAreNot) {
  store().revoke("jti-1", 1'700'000'000);
  EXPECT_TRUE(store().is_revoked("jti-1"));
  EXPECT_FALSE(store().is_revoked("jti-2"));
  EXPECT_FALSE(store().is_revoked("jti-"));
  EXPECT_FALSE(store().is_revoked("JTI-1"));
}

TEST_P(RevocationStoreContract, RevokingTwiceIsIdempotent) {
  store().revoke("jti-twice", 500);
  EXPECT_NO_THROW(store().revoke("jti-twice", 500));
  EXPECT_TRUE(store().is_revoked("jti-twice"));
  EXPECT_EQ(store().purge_expired(1000, 10), 1u);  // one entry, not two
  EXPECT_FALSE(store().is_revoked("jti-twice"));
}

TEST_P(RevocationStoreContract, RevokingAgainNeverShortensTheRevocation) {
  // Keeping the earlier expiry would let a purge forget a revocation while the token is valid.
  store().revoke("jti-extended", 100);
  store().revoke("jti-extended", 500);
  store().revoke("jti-extended", 300);
  EXPECT_EQ(store().purge_expired(400, 10), 0u);
  EXPECT_TRUE(store().is_revoked("jti-extended"));
  EXPECT_EQ(store().purge_expired(501, 10), 1u);
}

TEST_P(RevocationStoreContract, PurgeDeletesOnlyEntriesThatExpiredBeforeNow) {
  store().revoke("jti-100", 100);
  store().revoke("jti-200", 200);
  store().revoke("jti-300", 300);
  EXPECT_EQ(store().purge_expired(100, 10), 0u);  // expires_at == now has not expired before now
  EXPECT_EQ(store().purge_expired(200, 10), 1u);
  EXPECT_FALSE(store().is_revoked("jti-100"));
  EXPECT_TRUE(store().is_revoked("jti-200"));
  EXPECT_TRUE(store().is_revoked("jti-300"));
  EXPECT_EQ(store().purge_expired(200, 10), 0u);
  EXPECT_EQ(store().purge_expired(std::numeric_limits<UnixSeconds>::max(), 10), 2u);
  EXPECT_FALSE(store().is_revoked("jti-300"));
}

TEST_P(RevocationStoreContract, PurgeDeletesAtMostLimit) {
  for (int i = 0; i < 5; ++i) store().revoke("jti-old-" + std::to_string(i), 100 + i);
  store().revoke("jti-live", 10'000);
  EXPECT_EQ(store().purge_expired(1000, 0), 0u);
  EXPECT_EQ(store().purge_expired(1000, 2), 2u);
  EXPECT_EQ(store().purge_expired(1000, 2), 2u);
  EXPECT_EQ(store().purge_expired(1000, 2), 1u);
  EXPECT_EQ(store().purge_expired(1000, 2), 0u);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(store().is_revoked("jti-old-" + std::to_string(i)));
  EXPECT_TRUE(store().is_revoked("jti-live"));
  EXPECT_EQ(store().purge_expired(1000, std::numeric_limits<std::size_t>::max()), 0u);
}

TEST_P(RevocationStoreContract, PurgeOnEmptyStoreDeletesNothing) {
  EXPECT_EQ(store().purge_expired(std::numeric_limits<UnixSeconds>::max(), 100), 0u);
}

TEST_P(RevocationStoreContract, IsSafeUnderConcurrentUse) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::latch start(kThreads);
  std::atomic<int> failures{0};
  std::atomic<std::size_t> purged{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kPerThread; ++i) {
        const std::string jti = "jti-" + std::to_string(t) + "-" + std::to_string(i);
        store().revoke(jti, i % 2 == 0 ? 100 : 10'000);
        store().revoke("jti-shared", 10'000);
        // Even entries may already be purged by another thread; odd ones must be there.
        if ((i % 2 == 1 && !store().is_revoked(jti)) || !store().is_revoked("jti-shared")) ++failures;
        if (i % 10 == 9) purged += store().purge_expired(1000, 3);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  // Every even entry expired at 100; whatever the interleaving, each is purged exactly once.
  purged += store().purge_expired(1000, 1'000'000);
  EXPECT_EQ(purged.load(), static_cast<std::size_t>(kThreads * kPerThread / 2));
  EXPECT_TRUE(store().is_revoked("jti-shared"));
  EXPECT_TRUE(store().is_revoked("jti-0-1"));
}

}  // namespace gatehouse::token::testing
