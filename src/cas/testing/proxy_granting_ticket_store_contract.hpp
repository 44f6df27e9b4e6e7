#pragma once
// The contract every cas::ProxyGrantingTicketStore backend passes (STYLE C12): a proxy-granting
// ticket is read any number of times while it lives, ends with its SSO session, and is purged once
// expired. Include it in exactly one .cpp of a test binary and instantiate it once per backend.

#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "cas/ticket_store.hpp"
#include "core/testing/store_contract.hpp"
#include "mfa/testing/race.hpp"

namespace gatehouse::cas::testing {

using ProxyGrantingTicketStoreBackend = contract::StoreBackend<ProxyGrantingTicketStore>;
inline constexpr auto pgt_backend_name = &contract::backend_name<ProxyGrantingTicketStore>;

class ProxyGrantingTicketStoreContract : public contract::StoreContract<ProxyGrantingTicketStore> {
 protected:
  static ProxyGrantingTicket sample(const std::string& id_hash, const std::string& sid = "sid-1",
                                    UnixSeconds expires_at = 9000) {
    ProxyGrantingTicket t;
    t.id_hash = id_hash;
    t.client_id = "portal";
    t.user_id = "u1";
    t.sign_in = {sid, 990, "pwd"};
    t.proxies = {"https://portal.example.com/pgt"};
    t.created_at = 1000;
    t.expires_at = expires_at;
    return t;
  }
};

TEST_P(ProxyGrantingTicketStoreContract, FindAnswersEveryFieldAndSpendsNothing) {
  auto t = sample(std::string("\x00pgt\xff", 5));
  t.sign_in.amr = "pwd hwk";
  t.proxies = {"https://proxy2.example.com/pgt", "https://caf\xc3\xa9.example.com/cb?a=1&b=\"2\"", ""};
  store().insert(t);
  for (int i = 0; i < 3; ++i) {
    auto got = store().find(t.id_hash, 1000 + i);
    ASSERT_TRUE(got) << "read " << i;
    EXPECT_EQ(got->id_hash, t.id_hash);
    EXPECT_EQ(got->client_id, t.client_id);
    EXPECT_EQ(got->user_id, t.user_id);
    EXPECT_EQ(got->sign_in.sid, t.sign_in.sid);
    EXPECT_EQ(got->sign_in.auth_time, t.sign_in.auth_time);
    EXPECT_EQ(got->sign_in.amr, t.sign_in.amr);
    EXPECT_EQ(got->proxies, t.proxies);
    EXPECT_EQ(got->created_at, t.created_at);
    EXPECT_EQ(got->expires_at, t.expires_at);
  }
  auto no_chain = sample("pgt-2");
  no_chain.proxies.clear();
  store().insert(no_chain);
  auto got = store().find("pgt-2", 1000);
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->proxies.empty());
}

TEST_P(ProxyGrantingTicketStoreContract, UnknownAndExpiredTicketsAreNotFound) {
  EXPECT_FALSE(store().find("unknown", 1000));
  store().insert(sample("pgt-1", "sid-1", 2000));
  for (const auto& odd : mfa::testing::kOddKeys) EXPECT_FALSE(store().find(odd, 1000));
  EXPECT_TRUE(store().find("pgt-1", 1999));
  EXPECT_FALSE(store().find("pgt-1", 2000)) << "expired at expires_at";
  EXPECT_FALSE(store().find("pgt-1", 5000));
}

TEST_P(ProxyGrantingTicketStoreContract, RevokingASessionEndsOnlyThatSessionsTickets) {
  store().insert(sample("a1", "sid-a"));
  store().insert(sample("a2", "sid-a"));
  store().insert(sample("b1", "sid-b"));
  store().insert(sample("c1", "sid-a2"));  // a sid that merely starts like another
  EXPECT_EQ(store().revoke_session("sid-a"), 2u);
  EXPECT_FALSE(store().find("a1", 1000));
  EXPECT_FALSE(store().find("a2", 1000));
  EXPECT_TRUE(store().find("b1", 1000));
  EXPECT_TRUE(store().find("c1", 1000));
  EXPECT_EQ(store().revoke_session("sid-a"), 0u) << "nothing left";
  EXPECT_EQ(store().revoke_session("unknown"), 0u);
  for (const auto& odd : mfa::testing::kOddKeys) EXPECT_EQ(store().revoke_session(odd), 0u);
  EXPECT_TRUE(store().find("b1", 1000));
}

TEST_P(ProxyGrantingTicketStoreContract, PurgeDeletesOnlyExpiredInBoundedBatches) {
  store().insert(sample("old1", "s", 1100));
  store().insert(sample("old2", "s", 1200));
  store().insert(sample("old3", "s", 1250));
  store().insert(sample("live", "s", 3000));
  EXPECT_EQ(store().purge_expired(1500, 0), 0u);
  EXPECT_EQ(store().purge_expired(1500, 2), 2u);
  EXPECT_EQ(store().purge_expired(1500, 10), 1u);
  EXPECT_EQ(store().purge_expired(1500, 10), 0u);
  EXPECT_TRUE(store().find("live", 1500));
  EXPECT_FALSE(store().find("old3", 1000)) << "purged, not merely expired";
}

}  // namespace gatehouse::cas::testing
