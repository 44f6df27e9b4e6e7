// CAS single logout: the logoutRequest document, the sender's delivery, retries and bounds, and
// the session store decorator that sends only for a logout, once, from the node that ended it.

#include "cas/single_logout.hpp"

#include <atomic>
#include <mutex>

#include <gtest/gtest.h>

#include "storage/sqlite/sqlite_backend.hpp"

namespace gatehouse::cas {
namespace {

using namespace std::chrono_literals;

struct Posts {
  std::mutex mutex;
  std::vector<std::pair<std::string, std::string>> seen;  // url, body
  std::atomic<int> fail_first{0};                        // answer `failure` to this many posts first
  std::atomic<int> failure{503};
  int post(const signin::BackChannelMessage& m) {
    std::lock_guard lock(mutex);
    seen.emplace_back(m.url, m.body);
    if (fail_first.load() > 0) {
      fail_first.fetch_sub(1);
      return failure.load();
    }
    return 200;
  }
  std::size_t count() {
    std::lock_guard lock(mutex);
    return seen.size();
  }
};

TEST(CasSingleLogout, TheLogoutRequestNamesTheTicket) {
  const auto xml = logout_request("ST-abc", "LR-1", 1'800'000'000);
  EXPECT_NE(xml.find("<samlp:SessionIndex>ST-abc</samlp:SessionIndex>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("ID=\"LR-1\""), std::string::npos);
  EXPECT_NE(xml.find("IssueInstant=\"2027-01-15T08:00:00Z\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<saml:NameID>@NOT_USED@</saml:NameID>"), std::string::npos);
}

TEST(CasSingleLogout, OnlySloParticipantsWithATicketAndAUrlAreTargets) {
  session::SsoSession s;
  s.participants = {{"cas", "app", 1, ""},
                    {std::string(kSloProtocol), "app", 1, "ST-1 https://app.example/logout"},
                    {std::string(kSloProtocol), "bad", 1, "no-url"},
                    {"oidc", "web", 1, ""}};
  const auto targets = logout_targets(s);
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0].first, "https://app.example/logout");
  EXPECT_EQ(targets[0].second, "ST-1");
}

TEST(CasSingleLogout, TheSenderDeliversAndRetriesABoundedNumberOfTimes) {
  Posts posts;
  signin::BackChannelSender sender([&](const signin::BackChannelMessage& m) { return posts.post(m); },
                                   {.max_queue = 2, .max_attempts = 3, .retry_delay = 5ms});
  posts.fail_first = 2;
  sender.send({"https://a.example/logout", "text/plain", "a", "test"});
  ASSERT_TRUE(sender.wait_idle(5s));
  EXPECT_EQ(posts.count(), 3u) << "two failures, then delivered";
  EXPECT_EQ(sender.delivered(), 1u);
  posts.fail_first = 100;
  sender.send({"https://b.example/logout", "text/plain", "b", "test"});
  ASSERT_TRUE(sender.wait_idle(5s));
  EXPECT_EQ(posts.count(), 6u) << "three attempts at most";
  EXPECT_EQ(sender.abandoned(), 1u);
}

TEST(CasSingleLogout, ARefusalIsFinalButATimeoutOrARateLimitIsRetried) {
  Posts posts;
  signin::BackChannelSender sender([&](const signin::BackChannelMessage& m) { return posts.post(m); },
                                   {.max_queue = 4, .max_attempts = 3, .retry_delay = 1ms});
  posts.failure = 400;
  posts.fail_first = 100;
  sender.send({"https://a.example/logout", "text/plain", "a", "test"});
  ASSERT_TRUE(sender.wait_idle(5s));
  EXPECT_EQ(posts.count(), 1u) << "a 400 is not asked again";
  EXPECT_EQ(sender.abandoned(), 1u);
  for (int status : {408, 429}) {
    posts.failure = status;
    posts.fail_first = 1;
    sender.send({"https://b.example/logout", "text/plain", "b", "test"});
    ASSERT_TRUE(sender.wait_idle(5s));
  }
  EXPECT_EQ(posts.count(), 5u) << "408 and 429: asked again, then delivered";
  EXPECT_EQ(sender.delivered(), 2u);
}

TEST(CasSingleLogout, EachAttemptMakesItsMessageAfreshAndOneThatCannotBeMadeIsAbandoned) {
  Posts posts;
  signin::BackChannelSender sender([&](const signin::BackChannelMessage& m) { return posts.post(m); },
                                   {.max_queue = 4, .max_attempts = 3, .retry_delay = 1ms});
  posts.fail_first = 1;
  int made = 0;
  sender.send({"https://a.example/logout", "text/xml", "", "test", [&made]() -> std::optional<std::string> {
                 return "body-" + std::to_string(++made);
               }});
  ASSERT_TRUE(sender.wait_idle(5s));
  ASSERT_EQ(posts.count(), 2u);
  EXPECT_EQ(posts.seen[0].second, "body-1");
  EXPECT_EQ(posts.seen[1].second, "body-2") << "a retry is a new message (new ID, new IssueInstant)";
  EXPECT_EQ(sender.delivered(), 1u);
  sender.send({"https://b.example/logout", "text/xml", "", "test", []() -> std::optional<std::string> { return std::nullopt; }});
  ASSERT_TRUE(sender.wait_idle(5s));
  EXPECT_EQ(posts.count(), 2u) << "nothing posted for a message that could not be made";
  EXPECT_EQ(sender.abandoned(), 1u);
}

class SloSessionsTest : public ::testing::Test {
 protected:
  SloSessionsTest()
      : backend_(storage::sqlite::SqliteOptions{":memory:", 2}),
        sender_([this](const signin::BackChannelMessage& m) { return posts_.post(m); }, {}),
        cas_(sender_, clock_),
        sessions_(backend_.sso_sessions()) {
    backend_.migrate();
    sessions_.add_listener(cas_);
  }
  void add(const std::string& id_hash, const std::string& sid, const std::string& user, const std::string& ticket) {
    session::SsoSession s{id_hash, sid, user, 1000, "pwd", 1000, 1000, 999'999'999'999,
                          {{std::string(kSloProtocol), "app", 1000, ticket + " https://app.example/logout"}}};
    sessions_.insert(s);
  }
  Posts posts_;
  FixedClock clock_{1000};
  storage::sqlite::SqliteBackend backend_;
  signin::BackChannelSender sender_;
  SingleLogout cas_;
  signin::LogoutSessions sessions_;
};

TEST_F(SloSessionsTest, ALogoutSendsOnceAndCarryingASessionOnSendsNothing) {
  add("h1", "sid-1", "u1", "ST-1");
  add("h2", "sid-2", "u1", "ST-2");
  EXPECT_TRUE(sessions_.take_by_sid("sid-2")) << "a session carried on under a new cookie";
  EXPECT_TRUE(sessions_.revoke_by_sid("sid-1"));
  EXPECT_FALSE(sessions_.revoke_by_sid("sid-1")) << "ended already: nothing more to send";
  ASSERT_TRUE(sender_.wait_idle(5s));
  ASSERT_EQ(posts_.count(), 1u);
  EXPECT_EQ(posts_.seen[0].first, "https://app.example/logout");
  EXPECT_NE(posts_.seen[0].second.find("logoutRequest=%3Csamlp%3ALogoutRequest"), std::string::npos) << posts_.seen[0].second;
  EXPECT_NE(posts_.seen[0].second.find("ST-1"), std::string::npos);
}

TEST_F(SloSessionsTest, ALogoutInAUnitThatRollsBackSendsNothing) {
  add("h1", "sid-1", "u1", "ST-1");
  EXPECT_THROW(backend_.units().run([&] {
    EXPECT_TRUE(sessions_.revoke_by_sid("sid-1"));
    throw std::runtime_error("the sign-in that ended it failed");
  }),
               std::runtime_error);
  ASSERT_TRUE(sender_.wait_idle(5s));
  EXPECT_EQ(posts_.count(), 0u) << "a service was told of a logout that did not happen";
  EXPECT_TRUE(backend_.sso_sessions().find("h1", 1000, 1800)) << "the session was rolled back";
  backend_.units().run([&] { EXPECT_TRUE(sessions_.revoke_by_sid("sid-1")); });
  ASSERT_TRUE(sender_.wait_idle(5s));
  EXPECT_EQ(posts_.count(), 1u) << "sent once the unit committed";
}

TEST(CasSingleLogoutPgts, ALogoutEndsTheSessionsProxyGrantingTickets) {
  FixedClock clock(1000);
  storage::sqlite::SqliteBackend backend(storage::sqlite::SqliteOptions{":memory:", 2});
  backend.migrate();
  Posts posts;
  signin::BackChannelSender sender([&](const signin::BackChannelMessage& m) { return posts.post(m); }, {});
  SingleLogout cas(sender, clock, &backend.cas_proxy_granting_tickets());
  signin::LogoutSessions sessions(backend.sso_sessions());
  sessions.add_listener(cas);
  sessions.insert({"h1", "sid-1", "u1", 1000, "pwd", 1000, 1000, 999'999, {}});
  auto& pgts = backend.cas_proxy_granting_tickets();
  pgts.insert({.id_hash = "p1", .client_id = "app", .user_id = "u1", .sign_in = {"sid-1", 1000, "pwd"},
               .created_at = 1000, .expires_at = 999'999});
  ASSERT_TRUE(pgts.find("p1", 1000));
  EXPECT_TRUE(sessions.revoke_by_sid("sid-1"));
  EXPECT_FALSE(pgts.find("p1", 1000)) << "the proxy-granting ticket outlived its session";
}

TEST_F(SloSessionsTest, SigningAUserOutEverywhereLogsOutOfEachSession) {
  add("h1", "sid-1", "u1", "ST-1");
  add("h2", "sid-2", "u1", "ST-2");
  add("h3", "sid-3", "u2", "ST-3");
  EXPECT_EQ(sessions_.revoke_user("u1"), 2u);
  ASSERT_TRUE(sender_.wait_idle(5s));
  ASSERT_EQ(posts_.count(), 2u);
  EXPECT_TRUE(backend_.sso_sessions().find("h3", 1000, 1800)) << "another user's session stays";
}

}  // namespace
}  // namespace gatehouse::cas
