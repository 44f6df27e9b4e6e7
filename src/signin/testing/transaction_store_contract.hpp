#pragma once
// The contract every signin::TransactionStore backend passes (STYLE C12). Include it in exactly
// one .cpp of a test binary and instantiate it once per backend. (How a backend reads rows a node
// of the previous release wrote is backend-specific: see storage/*/sign_in_stores tests.)

#include <atomic>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/testing/store_contract.hpp"
#include "signin/transaction.hpp"

namespace gatehouse::signin::testing {

using TransactionStoreBackend = contract::StoreBackend<TransactionStore>;
inline constexpr auto transaction_backend_name = &contract::backend_name<TransactionStore>;

class TransactionStoreContract : public contract::StoreContract<TransactionStore> {
 protected:
  /// A CAS-like transaction: the store must not care which front door owns it.
  static SignInTransaction sample(const std::string& id, UnixSeconds expires_at = 2000) {
    SignInTransaction t;
    t.id = id;
    t.csrf_hash = std::string("\x00\x01csrf", 6);
    t.continuation = {"cas", std::string("service=https://app.example.com/\x00\xff&renew=1", 39)};
    t.service = "https://app.example.com/";
    t.login_hint = "ada";
    t.fresh = true;
    t.max_age = 600;
    t.requested_acr = "urn:example:mfa";
    t.amr = "pwd";
    t.user_id = "u1";
    t.acr = "urn:example:pwd";
    t.created_at = 1000;
    t.expires_at = expires_at;
    return t;
  }
};

TEST_P(TransactionStoreContract, RoundTripsEveryFieldUntilItExpires) {
  auto t = sample("tx1");
  store().insert(t);
  auto found = store().find("tx1", 1500);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, t.id);
  EXPECT_EQ(found->csrf_hash, t.csrf_hash);
  EXPECT_FALSE(found->legacy_csrf) << "a row this release wrote";
  EXPECT_EQ(found->continuation.kind, t.continuation.kind);
  EXPECT_EQ(found->continuation.payload, t.continuation.payload) << "opaque bytes, zero bytes included";
  EXPECT_EQ(found->service, t.service);
  EXPECT_EQ(found->login_hint, t.login_hint);
  EXPECT_EQ(found->fresh, t.fresh);
  EXPECT_EQ(found->max_age, t.max_age);
  EXPECT_EQ(found->requested_acr, t.requested_acr);
  EXPECT_EQ(found->amr, t.amr);
  EXPECT_EQ(found->user_id, t.user_id);
  EXPECT_EQ(found->acr, t.acr);
  EXPECT_EQ(found->created_at, t.created_at);
  EXPECT_EQ(found->expires_at, t.expires_at);
  EXPECT_FALSE(store().find("tx1", 2000));  // expired at expires_at
  EXPECT_FALSE(store().find("other", 1500));
}

TEST_P(TransactionStoreContract, AnOidcTransactionKeepsItsContinuation) {
  auto t = sample("tx1");
  t.continuation = {std::string(kOidcKind), "client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=%00"};
  t.service = "web";
  t.fresh = false;
  store().insert(t);
  auto found = store().find("tx1", 1500);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->continuation.kind, kOidcKind);
  EXPECT_EQ(found->continuation.payload, t.continuation.payload);
  EXPECT_EQ(found->service, "web");
  EXPECT_FALSE(found->fresh);
}

TEST_P(TransactionStoreContract, MaxAgeMayBeAbsent) {
  auto t = sample("tx1");
  t.max_age.reset();
  store().insert(t);
  EXPECT_FALSE(store().find("tx1", 1500)->max_age.has_value());
}

TEST_P(TransactionStoreContract, ConsumeSucceedsForExactlyOneOfManyRacers) {
  store().insert(sample("tx1"));
  constexpr int kThreads = 8;
  std::atomic<int> winners{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&] {
      start.arrive_and_wait();
      if (store().consume("tx1")) winners.fetch_add(1);
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
  EXPECT_FALSE(store().find("tx1", 1500));
  EXPECT_FALSE(store().consume("tx1")) << "exactly once, also after the race";
}

TEST_P(TransactionStoreContract, RecordStepAdvancesOnlyFromTheStepTheCallerRead) {
  auto t = sample("tx1");
  t.amr.clear();
  t.user_id.clear();
  t.acr.clear();
  store().insert(t);
  auto after = t;
  after.user_id = "u1";
  after.amr = "pwd";
  EXPECT_TRUE(store().record_step(after, "", 1500));
  EXPECT_FALSE(store().record_step(after, "", 1500)) << "a stale form cannot record the step again";
  auto second = after;
  second.amr = "pwd otp";
  second.acr = "urn:example:mfa";
  EXPECT_TRUE(store().record_step(second, "pwd", 1500));
  auto found = store().find("tx1", 1500);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->user_id, "u1");
  EXPECT_EQ(found->amr, "pwd otp");
  EXPECT_EQ(found->acr, "urn:example:mfa");
  EXPECT_EQ(found->continuation.payload, t.continuation.payload) << "nothing else changes";
  EXPECT_FALSE(store().record_step(second, "pwd otp", 2000)) << "not once expired";
  auto other = second;
  other.id = "nope";
  EXPECT_FALSE(store().record_step(other, "pwd otp", 1500));
}

TEST_P(TransactionStoreContract, RecordStepSucceedsForExactlyOneOfManyRacers) {
  auto t = sample("tx1");
  t.amr.clear();
  store().insert(t);
  constexpr int kThreads = 8;
  std::atomic<int> winners{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      auto after = t;
      after.user_id = "u" + std::to_string(i);
      after.amr = "pwd";
      start.arrive_and_wait();
      if (store().record_step(after, "", 1500)) winners.fetch_add(1);
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(winners.load(), 1);
}

TEST_P(TransactionStoreContract, PurgeDeletesOnlyExpiredInBoundedBatches) {
  store().insert(sample("old1", 1100));
  store().insert(sample("old2", 1200));
  store().insert(sample("live", 3000));
  EXPECT_EQ(store().purge_expired(1500, 1), 1u);
  EXPECT_EQ(store().purge_expired(1500, 10), 1u);
  EXPECT_EQ(store().purge_expired(1500, 10), 0u);
  EXPECT_TRUE(store().find("live", 1500));
}

}  // namespace gatehouse::signin::testing
