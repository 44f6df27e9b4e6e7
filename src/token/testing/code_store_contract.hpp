#pragma once
// The contract every token::CodeStore backend passes (STYLE C12): a code is redeemed once, on any
// node, even when many redeem it at the same moment.

#include <atomic>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/testing/store_contract.hpp"
#include "token/code_store.hpp"

namespace gatehouse::token::testing {

using CodeStoreBackend = contract::StoreBackend<CodeStore>;
inline constexpr auto code_backend_name = &contract::backend_name<CodeStore>;

class CodeStoreContract : public contract::StoreContract<CodeStore> {
 protected:
  static AuthorizationCode sample(const std::string& hash, UnixSeconds expires_at = 1060) {
    AuthorizationCode c;
    c.code_hash = hash;
    c.grant_id = "grant-" + hash;
    c.client_id = "web";
    c.redirect_uri = "https://app.example.com/cb";
    c.user_id = "u1";
    c.scope = "openid profile";
    c.nonce = "nonce";
    c.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    c.code_challenge_method = "S256";
    c.sid = "sid-1";
    c.auth_time = 990;
    c.amr = "pwd";
    c.created_at = 1000;
    c.expires_at = expires_at;
    return c;
  }
};

TEST_P(CodeStoreContract, AFreshCodeIsConsumedOnceWithEveryField) {
  auto c = sample(std::string("\x00h1", 3));
  store().insert(c);
  auto first = store().consume(c.code_hash, 1010);
  ASSERT_EQ(first.outcome, ConsumeOutcome::kConsumed);
  ASSERT_TRUE(first.code);
  EXPECT_EQ(first.code->grant_id, c.grant_id);
  EXPECT_EQ(first.code->client_id, c.client_id);
  EXPECT_EQ(first.code->redirect_uri, c.redirect_uri);
  EXPECT_EQ(first.code->user_id, c.user_id);
  EXPECT_EQ(first.code->scope, c.scope);
  EXPECT_EQ(first.code->nonce, c.nonce);
  EXPECT_EQ(first.code->code_challenge, c.code_challenge);
  EXPECT_EQ(first.code->code_challenge_method, c.code_challenge_method);
  EXPECT_EQ(first.code->sid, c.sid);
  EXPECT_EQ(first.code->auth_time, c.auth_time);
  EXPECT_EQ(first.code->amr, c.amr);
  EXPECT_EQ(first.code->created_at, c.created_at);
  EXPECT_EQ(first.code->expires_at, c.expires_at);
  auto second = store().consume(c.code_hash, 1011);
  EXPECT_EQ(second.outcome, ConsumeOutcome::kAlreadyUsed);
  ASSERT_TRUE(second.code);
  EXPECT_EQ(second.code->grant_id, c.grant_id) << "a reuse names the grant to revoke";
}

TEST_P(CodeStoreContract, FindReadsACodeWithoutSpendingIt) {
  auto c = sample("f1");
  store().insert(c);
  EXPECT_FALSE(store().find("nope"));
  auto found = store().find("f1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->client_id, c.client_id);
  EXPECT_EQ(found->code_challenge, c.code_challenge);
  EXPECT_EQ(found->redirect_uri, c.redirect_uri);
  ASSERT_TRUE(store().find("f1"));
  EXPECT_EQ(store().consume("f1", 1010).outcome, ConsumeOutcome::kConsumed) << "find() did not spend it";
  EXPECT_TRUE(store().find("f1")) << "a used code is still found (its reuse must be told apart)";
}

TEST_P(CodeStoreContract, MarkUsedSpendsACodeOnceAndNeverAnExpiredOne) {
  store().insert(sample("m1", 1060));
  store().insert(sample("m2", 1060));
  EXPECT_TRUE(store().mark_used("m1", 1010));
  EXPECT_FALSE(store().mark_used("m1", 1011)) << "once";
  EXPECT_EQ(store().consume("m1", 1012).outcome, ConsumeOutcome::kAlreadyUsed);
  EXPECT_FALSE(store().mark_used("m2", 1060)) << "expired at 1060";
  EXPECT_FALSE(store().mark_used("nope", 1010));
}

TEST_P(CodeStoreContract, UnknownAndExpiredCodes) {
  EXPECT_EQ(store().consume("nope", 1010).outcome, ConsumeOutcome::kUnknown);
  store().insert(sample("h1", 1060));
  auto late = store().consume("h1", 1060);
  EXPECT_EQ(late.outcome, ConsumeOutcome::kExpired);
  EXPECT_FALSE(late.code);
}

TEST_P(CodeStoreContract, ExactlyOneOfManyConcurrentRedemptionsWins) {
  store().insert(sample("h1"));
  constexpr int kThreads = 8;
  std::atomic<int> consumed{0};
  std::atomic<int> reused{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&] {
      start.arrive_and_wait();
      auto r = store().consume("h1", 1010);
      if (r.outcome == ConsumeOutcome::kConsumed) consumed.fetch_add(1);
      if (r.outcome == ConsumeOutcome::kAlreadyUsed) reused.fetch_add(1);
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(consumed.load(), 1);
  EXPECT_EQ(reused.load(), kThreads - 1);
}

TEST_P(CodeStoreContract, PurgeDeletesOnlyExpired) {
  store().insert(sample("old", 1050));
  store().insert(sample("live", 5000));
  EXPECT_EQ(store().purge_expired(1100, 10), 1u);
  EXPECT_EQ(store().consume("old", 1100).outcome, ConsumeOutcome::kUnknown);
  EXPECT_EQ(store().consume("live", 1100).outcome, ConsumeOutcome::kConsumed);
}

}  // namespace gatehouse::token::testing
