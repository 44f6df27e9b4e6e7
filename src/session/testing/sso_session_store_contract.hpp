#pragma once
// The contract every session::SsoSessionStore backend passes (STYLE C12).

#include <atomic>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/testing/store_contract.hpp"
#include "session/sso_session_store.hpp"

namespace gatehouse::session::testing {

using SsoSessionStoreBackend = contract::StoreBackend<SsoSessionStore>;
inline constexpr auto sso_session_backend_name = &contract::backend_name<SsoSessionStore>;

class SsoSessionStoreContract : public contract::StoreContract<SsoSessionStore> {
 protected:
  static SsoSession sample(const std::string& id_hash, const std::string& sid, const std::string& user = "u1") {
    return SsoSession{id_hash, sid, user, 1000, "pwd", 1000, 1000, 1000 + 8 * 3600};
  }
};

TEST_P(SsoSessionStoreContract, FindsALiveSessionWithEveryField) {
  auto s = sample(std::string("\x00hash1", 6), "sid-1");
  store().insert(s);
  auto found = store().find(s.id_hash, 1500, 1800);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->sid, "sid-1");
  EXPECT_EQ(found->user_id, "u1");
  EXPECT_EQ(found->auth_time, 1000);
  EXPECT_EQ(found->amr, "pwd");
  EXPECT_EQ(found->created_at, 1000);
  EXPECT_EQ(found->last_seen_at, 1000);
  EXPECT_EQ(found->expires_at, s.expires_at);
  EXPECT_FALSE(store().find("unknown", 1500, 1800));
}

TEST_P(SsoSessionStoreContract, IdleAndAbsoluteTimeoutsEndASession) {
  auto s = sample("h1", "sid-1");
  store().insert(s);
  EXPECT_FALSE(store().find("h1", 1000 + 1800, 1800)) << "idle for the whole idle timeout";
  EXPECT_TRUE(store().touch("h1", 2500));
  EXPECT_TRUE(store().find("h1", 2500 + 1799, 1800)) << "activity slides the idle timeout";
  EXPECT_FALSE(store().touch("nope", 2500));
  EXPECT_TRUE(store().touch("h1", 2000));  // an older timestamp never moves it back
  EXPECT_EQ(store().find("h1", 2600, 1800)->last_seen_at, 2500);
  EXPECT_FALSE(store().find("h1", s.expires_at, 10 * 3600)) << "past the absolute timeout";
}

TEST_P(SsoSessionStoreContract, TouchingOnlyWhenWorthItStillSlidesTheIdleTimeout) {
  // As the authorization endpoint uses a session: find it, touch it if worth_touching says so.
  store().insert(sample("h1", "sid-1"));
  constexpr UnixSeconds kIdle = 1800;  // a step of 60 s
  int touches = 0;
  UnixSeconds t = 1000;
  for (; t <= 1000 + 3 * kIdle; t += 30) {
    auto found = store().find("h1", t, kIdle);
    ASSERT_TRUE(found) << "a session in use stays alive past its idle timeout, at " << t;
    if (worth_touching(*found, t, kIdle)) {
      EXPECT_TRUE(store().touch("h1", t));
      ++touches;
    }
  }
  EXPECT_LE(touches, 3 * kIdle / 60 + 1) << "one write a minute, not one per use";
  const UnixSeconds last_use = t - 30;
  EXPECT_TRUE(store().find("h1", last_use + kIdle - 60, kIdle)) << "ends at most one step early";
  EXPECT_FALSE(store().find("h1", last_use + kIdle, kIdle));
  EXPECT_TRUE(worth_touching(sample("h2", "sid-2"), 1001, 10)) << "short timeouts still step by a second";
}

TEST_P(SsoSessionStoreContract, RevokeBySidAndByUser) {
  store().insert(sample("h1", "sid-1", "u1"));
  store().insert(sample("h2", "sid-2", "u1"));
  store().insert(sample("h3", "sid-3", "u2"));
  EXPECT_TRUE(store().revoke_by_sid("sid-1"));
  EXPECT_FALSE(store().revoke_by_sid("sid-1"));
  EXPECT_FALSE(store().find("h1", 1500, 1800));
  EXPECT_EQ(store().revoke_user("u1"), 1u);
  EXPECT_FALSE(store().find("h2", 1500, 1800));
  EXPECT_TRUE(store().find("h3", 1500, 1800));
}

TEST_P(SsoSessionStoreContract, ListsAUsersLiveSessionsNewestFirstAndBounded) {
  auto first = sample("h1", "sid-1");  // created at 1000
  auto second = sample("h2", "sid-2");
  second.created_at = second.last_seen_at = 1100;
  second.participants = {{"oidc", "web", 1100, ""}, {"account", "account", 1101, ""}};
  auto third = sample("h3", "sid-3");
  third.created_at = third.last_seen_at = 1200;
  auto idle = sample("h4", "sid-4");
  idle.created_at = idle.last_seen_at = 500;
  auto expired = sample("h5", "sid-5");
  expired.created_at = expired.last_seen_at = 1300;
  expired.expires_at = 1400;
  for (const auto& s : {first, second, third, idle, expired, sample("h6", "sid-6", "u2")}) store().insert(s);
  // At 1500 with a 900 s idle timeout: the idle one (last seen 500) and the expired one are gone.
  auto listed = store().list_user("u1", 1500, 900, 10);
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0].sid, "sid-3");
  EXPECT_EQ(listed[1].sid, "sid-2");
  EXPECT_EQ(listed[2].sid, "sid-1");
  EXPECT_EQ(listed[1].id_hash, "h2");
  EXPECT_EQ(listed[1].user_id, "u1");
  ASSERT_EQ(listed[1].participants.size(), 2u);
  EXPECT_EQ(listed[1].participants[1].protocol, "account");
  EXPECT_EQ(listed[1].participants[1].at, 1101);
  auto bounded = store().list_user("u1", 1500, 900, 2);
  ASSERT_EQ(bounded.size(), 2u) << "at most the limit, the newest";
  EXPECT_EQ(bounded[1].sid, "sid-2");
  EXPECT_TRUE(store().list_user("u1", 1500, 900, 0).empty());
  EXPECT_TRUE(store().list_user("nobody", 1500, 900, 10).empty());
  EXPECT_EQ(store().list_user("u2", 1500, 900, 10).size(), 1u);
}

TEST_P(SsoSessionStoreContract, PurgeDeletesOnlyExpired) {
  auto old = sample("h1", "sid-1");
  old.expires_at = 1200;
  store().insert(old);
  store().insert(sample("h2", "sid-2"));
  EXPECT_EQ(store().purge_expired(1500, 10), 1u);
  EXPECT_TRUE(store().find("h2", 1500, 1800));
}

TEST_P(SsoSessionStoreContract, ParticipantsRoundTripInTheOrderTheyJoined) {
  auto s = sample("h1", "sid-1");
  s.participants = {{"oidc", "web", 1000, ""}, {"cas", "https://app.example.com/a b\t\n%", 1001, "ST-1"}};
  store().insert(s);
  auto found = store().find("h1", 1500, 1800);
  ASSERT_TRUE(found);
  ASSERT_EQ(found->participants.size(), 2u);
  EXPECT_EQ(found->participants[0].protocol, "oidc");
  EXPECT_EQ(found->participants[0].service, "web");
  EXPECT_EQ(found->participants[0].at, 1000);
  EXPECT_EQ(found->participants[0].detail, "");
  EXPECT_EQ(found->participants[1].protocol, "cas");
  EXPECT_EQ(found->participants[1].service, "https://app.example.com/a b\t\n%");
  EXPECT_EQ(found->participants[1].at, 1001);
  EXPECT_EQ(found->participants[1].detail, "ST-1");
  EXPECT_TRUE(found->has_participant("cas", "https://app.example.com/a b\t\n%"));
  EXPECT_FALSE(found->has_participant("oidc", "https://app.example.com/a b\t\n%"));
}

TEST_P(SsoSessionStoreContract, EachServiceIsRecordedOncePerProtocol) {
  store().insert(sample("h1", "sid-1"));
  EXPECT_TRUE(store().add_participant("h1", {"oidc", "web", 1100, ""}));
  EXPECT_FALSE(store().add_participant("h1", {"oidc", "web", 1200, ""})) << "already there";
  EXPECT_TRUE(store().add_participant("h1", {"oidc", "we", 1300, ""})) << "a prefix of another service is another service";
  EXPECT_TRUE(store().add_participant("h1", {"cas", "web", 1400, ""})) << "the same id under another protocol";
  EXPECT_FALSE(store().add_participant("nope", {"oidc", "web", 1100, ""})) << "no such session";
  auto found = store().find("h1", 1500, 1800);
  ASSERT_TRUE(found);
  ASSERT_EQ(found->participants.size(), 3u);
  EXPECT_EQ(found->participants[0].service, "web");
  EXPECT_EQ(found->participants[0].at, 1100) << "the first sign-in is kept";
  EXPECT_EQ(found->participants[1].service, "we");
  EXPECT_EQ(found->participants[2].protocol, "cas");
}

TEST_P(SsoSessionStoreContract, AServiceAddedByManyRacersIsRecordedOnce) {
  store().insert(sample("h1", "sid-1"));
  constexpr int kThreads = 8;
  std::atomic<int> added{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      if (store().add_participant("h1", {"oidc", "web", 1100 + i, ""})) added.fetch_add(1);
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(added.load(), 1);
  EXPECT_EQ(store().find("h1", 1500, 1800)->participants.size(), 1u);
}

TEST_P(SsoSessionStoreContract, TakingASessionEndsItAndAnswersItToExactlyOneRacer) {
  auto s = sample("h1", "sid-1", "u1");
  s.participants = {{"cas-slo", "app", 1100, "ST-1 https://app.example/logout"}};
  store().insert(s);
  store().insert(sample("h2", "sid-2", "u1"));
  constexpr int kThreads = 8;
  std::atomic<int> taken{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&] {
      start.arrive_and_wait();
      if (auto got = store().take_by_sid("sid-1")) {
        taken.fetch_add(1);
        EXPECT_EQ(got->user_id, "u1");
        ASSERT_EQ(got->participants.size(), 1u);
        EXPECT_EQ(got->participants[0].detail, "ST-1 https://app.example/logout");
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(taken.load(), 1);
  EXPECT_FALSE(store().find("h1", 1500, 1800));
  EXPECT_TRUE(store().find("h2", 1500, 1800)) << "only that session";
  EXPECT_FALSE(store().take_by_sid("sid-1"));
  EXPECT_FALSE(store().take_by_sid(std::string("\xff\x00", 2))) << "a sid no store can hold is simply not there";
}

}  // namespace gatehouse::session::testing
