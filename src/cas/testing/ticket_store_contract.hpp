#pragma once
// The contract every cas::TicketStore backend passes (STYLE C12): a service or proxy ticket is
// answered with every field once, on any node, even when many validate it at the same moment, and
// never once expired. Include it in exactly one .cpp of a test binary and instantiate it once per
// backend.

#include <atomic>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "cas/ticket_store.hpp"
#include "core/testing/store_contract.hpp"
#include "mfa/testing/race.hpp"

namespace gatehouse::cas::testing {

using TicketStoreBackend = contract::StoreBackend<TicketStore>;
inline constexpr auto ticket_backend_name = &contract::backend_name<TicketStore>;

class TicketStoreContract : public contract::StoreContract<TicketStore> {
 protected:
  static Ticket sample(const std::string& id_hash, UnixSeconds expires_at = 1010) {
    Ticket t;
    t.id_hash = id_hash;
    t.service = "https://app.example.com/cas/callback?next=%2Fhome";
    t.client_id = "portal";
    t.user_id = "u1";
    t.sign_in = {"sid-1", 990, "pwd otp"};
    t.created_at = 1000;
    t.expires_at = expires_at;
    return t;
  }

  static void expect_same(const Ticket& got, const Ticket& want) {
    EXPECT_EQ(got.id_hash, want.id_hash);
    EXPECT_EQ(got.kind, want.kind);
    EXPECT_EQ(got.service, want.service);
    EXPECT_EQ(got.client_id, want.client_id);
    EXPECT_EQ(got.user_id, want.user_id);
    EXPECT_EQ(got.sign_in.sid, want.sign_in.sid);
    EXPECT_EQ(got.sign_in.auth_time, want.sign_in.auth_time);
    EXPECT_EQ(got.sign_in.amr, want.sign_in.amr);
    EXPECT_EQ(got.new_login, want.new_login);
    EXPECT_EQ(got.proxies, want.proxies);
    EXPECT_EQ(got.created_at, want.created_at);
    EXPECT_EQ(got.expires_at, want.expires_at);
  }
};

TEST_P(TicketStoreContract, AServiceTicketIsAnsweredWithEveryFieldOnce) {
  auto st = sample(std::string("\x00st\xff", 4));
  constexpr char kService[] = "https://app.example.com/caf\xc3\xa9?a=1&b=\x00\xfe";  // any bytes
  st.service = std::string(kService, sizeof kService - 1);
  st.new_login = true;
  store().insert(st);
  auto got = store().consume(st.id_hash, 1000);
  ASSERT_TRUE(got);
  expect_same(*got, st);
  EXPECT_TRUE(got->proxies.empty());
  EXPECT_FALSE(store().consume(st.id_hash, 1000)) << "single use";
}

TEST_P(TicketStoreContract, AProxyTicketKeepsItsProxyChain) {
  auto pt = sample("pt-hash");
  pt.kind = TicketKind::kProxy;
  pt.service = "https://backend.example.com/r\xc3\xa9sum\xc3\xa9";
  pt.proxies = {"https://proxy2.example.com/pgt", "https://proxy1.example.com/cb?x=\"a b\"", "", "https://\xe2\x82\xac.example/"};
  store().insert(pt);
  auto empty_chain = sample("st-hash");
  store().insert(empty_chain);
  auto got = store().consume("pt-hash", 1005);
  ASSERT_TRUE(got);
  expect_same(*got, pt);
  auto st = store().consume("st-hash", 1005);
  ASSERT_TRUE(st);
  expect_same(*st, empty_chain);
  EXPECT_FALSE(st->new_login);
}

TEST_P(TicketStoreContract, UnknownTicketsAreNotAnswered) {
  EXPECT_FALSE(store().consume("unknown", 1000));
  store().insert(sample("t1"));
  for (const auto& odd : mfa::testing::kOddKeys) EXPECT_FALSE(store().consume(odd, 1000));
  EXPECT_FALSE(store().consume("t1x", 1000));
  EXPECT_TRUE(store().consume("t1", 1000)) << "the misses spent nothing";
}

TEST_P(TicketStoreContract, AnExpiredTicketIsNotAnsweredAndLeftForThePurge) {
  store().insert(sample("t1", 1010));
  EXPECT_FALSE(store().consume("t1", 1010)) << "expired at expires_at";
  EXPECT_FALSE(store().consume("t1", 5000));
  EXPECT_EQ(store().purge_expired(1010, 10), 1u) << "the expired ticket was left in place for the purge";
  store().insert(sample("t2", 1010));
  EXPECT_TRUE(store().consume("t2", 1009)) << "live until its last second";
}

TEST_P(TicketStoreContract, OfManyConcurrentValidationsExactlyOneSucceedsEveryRound) {
  constexpr int kRounds = 200;
  constexpr int kRacers = 8;
  for (int round = 0; round < kRounds; ++round) {
    auto t = sample("race-" + std::to_string(round));
    t.user_id = "user-" + std::to_string(round);
    store().insert(t);
    std::atomic<int> right_user{0};
    const int winners = mfa::testing::race_winners(kRacers, [&](int) {
      auto got = store().consume(t.id_hash, 1000);
      if (got && got->user_id == t.user_id) right_user.fetch_add(1);
      return got.has_value();
    });
    ASSERT_EQ(winners, 1) << "round " << round;
    ASSERT_EQ(right_user.load(), 1) << "round " << round;
  }
}

TEST_P(TicketStoreContract, PurgeDeletesOnlyExpiredInBoundedBatches) {
  store().insert(sample("old1", 1010));
  store().insert(sample("old2", 1020));
  store().insert(sample("old3", 1030));
  store().insert(sample("live", 3000));
  EXPECT_EQ(store().purge_expired(1500, 0), 0u);
  EXPECT_EQ(store().purge_expired(1500, 2), 2u);
  EXPECT_EQ(store().purge_expired(1500, 10), 1u);
  EXPECT_EQ(store().purge_expired(1500, 10), 0u);
  EXPECT_TRUE(store().consume("live", 1500));
}

}  // namespace gatehouse::cas::testing
