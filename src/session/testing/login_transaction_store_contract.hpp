#pragma once
// The contract every session::LoginTransactionStore backend passes (STYLE C12). Include it in
// exactly one .cpp of a test binary and instantiate it once per backend.

#include <atomic>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/testing/store_contract.hpp"
#include "session/login_transaction_store.hpp"

namespace gatehouse::session::testing {

using LoginTransactionStoreBackend = contract::StoreBackend<LoginTransactionStore>;
inline constexpr auto login_transaction_backend_name = &contract::backend_name<LoginTransactionStore>;

class LoginTransactionStoreContract : public contract::StoreContract<LoginTransactionStore> {
 protected:
  static LoginTransaction sample(const std::string& id, UnixSeconds expires_at = 2000) {
    LoginTransaction t;
    t.id = id;
    t.csrf_hash = std::string("\x00\x01csrf", 6);
    t.client_id = "web";
    t.redirect_uri = "https://app.example.com/cb?x=1";
    t.response_type = "code";
    t.response_mode = "query";
    t.scope = "openid profile";
    t.state = "st&ate=1";
    t.nonce = "n-0S6_WzA2Mj";
    t.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    t.code_challenge_method = "S256";
    t.prompt = "login";
    t.login_hint = "ada";
    t.max_age = 600;
    t.created_at = 1000;
    t.expires_at = expires_at;
    return t;
  }
};

TEST_P(LoginTransactionStoreContract, RoundTripsEveryFieldUntilItExpires) {
  auto t = sample("tx1");
  store().insert(t);
  auto found = store().find("tx1", 1500);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->csrf_hash, t.csrf_hash);
  EXPECT_EQ(found->client_id, t.client_id);
  EXPECT_EQ(found->redirect_uri, t.redirect_uri);
  EXPECT_EQ(found->response_type, t.response_type);
  EXPECT_EQ(found->response_mode, t.response_mode);
  EXPECT_EQ(found->scope, t.scope);
  EXPECT_EQ(found->state, t.state);
  EXPECT_EQ(found->nonce, t.nonce);
  EXPECT_EQ(found->code_challenge, t.code_challenge);
  EXPECT_EQ(found->code_challenge_method, t.code_challenge_method);
  EXPECT_EQ(found->prompt, t.prompt);
  EXPECT_EQ(found->login_hint, t.login_hint);
  EXPECT_EQ(found->max_age, t.max_age);
  EXPECT_EQ(found->created_at, t.created_at);
  EXPECT_EQ(found->expires_at, t.expires_at);
  EXPECT_FALSE(store().find("tx1", 2000));  // expired at expires_at
  EXPECT_FALSE(store().find("other", 1500));
}

TEST_P(LoginTransactionStoreContract, MaxAgeMayBeAbsent) {
  auto t = sample("tx1");
  t.max_age.reset();
  store().insert(t);
  EXPECT_FALSE(store().find("tx1", 1500)->max_age.has_value());
}

TEST_P(LoginTransactionStoreContract, ConsumeSucceedsForExactlyOneOfManyRacers) {
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
}

TEST_P(LoginTransactionStoreContract, PurgeDeletesOnlyExpiredInBoundedBatches) {
  store().insert(sample("old1", 1100));
  store().insert(sample("old2", 1200));
  store().insert(sample("live", 3000));
  EXPECT_EQ(store().purge_expired(1500, 1), 1u);
  EXPECT_EQ(store().purge_expired(1500, 10), 1u);
  EXPECT_EQ(store().purge_expired(1500, 10), 0u);
  EXPECT_TRUE(store().find("live", 1500));
}

}  // namespace gatehouse::session::testing
