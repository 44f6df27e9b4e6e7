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
    c.sign_in = {"sid-1", 990, "pwd"};
    c.created_at = 1000;
    c.expires_at = expires_at;
    return c;
  }
};

TEST_P(CodeStoreContract, AFreshCodeIsReadWithEveryFieldAndSpentOnce) {
  auto c = sample(std::string("\x00h1", 3));
  store().insert(c);
  EXPECT_FALSE(store().find("nope"));
  auto found = store().find(c.code_hash);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->grant_id, c.grant_id);
  EXPECT_EQ(found->client_id, c.client_id);
  EXPECT_EQ(found->redirect_uri, c.redirect_uri);
  EXPECT_EQ(found->user_id, c.user_id);
  EXPECT_EQ(found->scope, c.scope);
  EXPECT_EQ(found->nonce, c.nonce);
  EXPECT_EQ(found->code_challenge, c.code_challenge);
  EXPECT_EQ(found->code_challenge_method, c.code_challenge_method);
  EXPECT_EQ(found->sign_in.sid, c.sign_in.sid);
  EXPECT_EQ(found->sign_in.auth_time, c.sign_in.auth_time);
  EXPECT_EQ(found->sign_in.amr, c.sign_in.amr);
  EXPECT_EQ(found->created_at, c.created_at);
  EXPECT_EQ(found->expires_at, c.expires_at);
  EXPECT_TRUE(store().find(c.code_hash)) << "reading spends nothing";
  EXPECT_TRUE(store().mark_used(c.code_hash, 1010)) << "find() did not spend it";
  EXPECT_FALSE(store().mark_used(c.code_hash, 1011)) << "once";
  auto used = store().find(c.code_hash);
  ASSERT_TRUE(used) << "a used code is still found: a reuse names the grant to revoke";
  EXPECT_EQ(used->grant_id, c.grant_id);
}

TEST_P(CodeStoreContract, UnknownAndExpiredCodesAreNeverSpent) {
  EXPECT_FALSE(store().mark_used("nope", 1010));
  store().insert(sample("h1", 1060));
  EXPECT_FALSE(store().mark_used("h1", 1060)) << "expired at 1060";
  EXPECT_TRUE(store().mark_used("h1", 1059)) << "the expired attempt did not mark it";
}

TEST_P(CodeStoreContract, ExactlyOneOfManyConcurrentRedemptionsWins) {
  store().insert(sample("h1"));
  constexpr int kThreads = 8;
  std::atomic<int> won{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&] {
      start.arrive_and_wait();
      if (store().mark_used("h1", 1010)) won.fetch_add(1);
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
}

TEST_P(CodeStoreContract, PurgeDeletesOnlyExpired) {
  store().insert(sample("old", 1050));
  store().insert(sample("live", 5000));
  EXPECT_EQ(store().purge_expired(1100, 10), 1u);
  EXPECT_FALSE(store().find("old"));
  EXPECT_TRUE(store().find("live"));
  EXPECT_TRUE(store().mark_used("live", 1100));
}

}  // namespace gatehouse::token::testing
