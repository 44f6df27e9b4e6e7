// directory::Connection against a real OpenLDAP server (the one scripts/test starts with
// scripts/lib/slapd.sh: GATEHOUSE_TEST_LDAP_URL, GATEHOUSE_TEST_LDAPS_URL, GATEHOUSE_TEST_LDAP_CA;
// tests/ldap/directory.ldif), and against a listener of this test that accepts connections and
// never answers (a hung directory).
#include "directory/connection.hpp"

#include <chrono>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "directory/testing/silent_server.hpp"
#include "directory/testing/test_directory.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

namespace gatehouse::directory {
namespace {

using namespace std::chrono_literals;
using testing::SilentServer;

constexpr const char* kService = "cn=gatehouse,ou=services,dc=example,dc=test";
constexpr const char* kServicePassword = "service-account-secret";
constexpr const char* kPeople = "ou=people,dc=example,dc=test";

using testing::env;
using testing::timed;

Endpoint plain() { return {.url = env("GATEHOUSE_TEST_LDAP_URL"), .connect_timeout = 2s, .timeout = 2s}; }
Endpoint ldaps() {
  return {.url = env("GATEHOUSE_TEST_LDAPS_URL"), .ca_file = env("GATEHOUSE_TEST_LDAP_CA"), .connect_timeout = 2s, .timeout = 2s};
}

std::unique_ptr<Connection> open_or_fail(const Endpoint& e) {
  auto c = Connection::open(e);
  if (!c) ADD_FAILURE() << c.error().message;
  return c ? std::move(*c) : nullptr;
}

TEST(DirectoryConnection, TheServiceAccountBindsAndFindsAUserWithItsAttributesAndGroups) {
  REQUIRE_LDAP();
  auto c = open_or_fail(plain());
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->bind(kService, kServicePassword));
  auto found = c->search({.base = kPeople, .filter = "(uid=ada)", .attributes = {"mail", "entryUUID", "memberOf", "cn"}});
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_EQ(found->size(), 1u);
  const Entry& ada = found->front();
  EXPECT_EQ(ada.dn, "uid=ada,ou=people,dc=example,dc=test");
  EXPECT_EQ(ada.first("mail"), "ada@example.test");
  EXPECT_EQ(ada.first("entryuuid"), "2d7b3c10-5f1a-4e0b-8c7d-0000000000a1") << "names are lower case";
  ASSERT_EQ(ada.attributes.at("memberof").size(), 2u);
  EXPECT_FALSE(ada.attributes.count("userpassword"));
}

TEST(DirectoryConnection, AWrongPasswordIsInvalidCredentialsAndTheConnectionGoesOn) {
  REQUIRE_LDAP();
  auto c = open_or_fail(plain());
  ASSERT_TRUE(c);
  auto wrong = c->bind("uid=grace,ou=people,dc=example,dc=test", "not-her-password");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().failure, Failure::kInvalidCredentials);
  EXPECT_EQ(wrong.error().code, 49);
  EXPECT_FALSE(c->broken());
  EXPECT_TRUE(c->bind("uid=grace,ou=people,dc=example,dc=test", "compiler-1952"));
}

TEST(DirectoryConnection, AnEmptyPasswordOrNameIsRefusedWithoutAsking) {
  // Sent, an empty password is an unauthenticated bind that some servers answer with success.
  REQUIRE_LDAP();
  auto c = open_or_fail(plain());
  ASSERT_TRUE(c);
  for (auto [dn, password] : {std::pair{"uid=ada,ou=people,dc=example,dc=test", ""}, std::pair{"", "analytical-engine"}}) {
    auto r = c->bind(dn, password);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().failure, Failure::kInvalidCredentials);
  }
  EXPECT_FALSE(c->bind("uid=ada,ou=people,dc=example,dc=test", std::string("analytical-engine\0x", 19)))
      << "a NUL in a password is refused too";
}

TEST(DirectoryConnection, LdapsAndStartTlsVerifyTheServerAgainstTheConfiguredCa) {
  REQUIRE_LDAP();
  auto over_ldaps = open_or_fail(ldaps());
  ASSERT_TRUE(over_ldaps);
  EXPECT_TRUE(over_ldaps->bind("uid=ada,ou=people,dc=example,dc=test", "analytical-engine"));

  Endpoint start_tls = plain();
  start_tls.start_tls = true;
  start_tls.ca_file = env("GATEHOUSE_TEST_LDAP_CA");
  auto upgraded = open_or_fail(start_tls);
  ASSERT_TRUE(upgraded);
  EXPECT_TRUE(upgraded->bind(kService, kServicePassword));

  // The system's CAs do not include the test CA: the certificate is refused, nothing is sent.
  Endpoint other_ca = ldaps();
  other_ca.ca_file = "";
  auto refused = Connection::open(other_ca);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().failure, Failure::kUnavailable);
  start_tls.ca_file = "";
  EXPECT_FALSE(Connection::open(start_tls));
}

TEST(DirectoryConnection, AServerThatIsNotThereIsUnavailableAtOnce) {
  std::string url;
  {
    SilentServer gone;  // its port, once it is closed: nothing listens there
    url = gone.url("ldap");
  }
  auto r = Connection::open({.url = url, .connect_timeout = 1s, .timeout = 1s});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().failure, Failure::kUnavailable);
}

TEST(DirectoryConnection, AServerThatHangsUpIsUnavailableAndTheProcessLivesOn) {
  // libldap writes with write(2): without Connection::open's initialise() the second write to the
  // reset socket raises SIGPIPE, which ends this test binary (nothing else here ignores it).
  SilentServer server;
  auto c = Connection::open({.url = server.url("ldap"), .connect_timeout = 1s, .timeout = 1s});
  ASSERT_TRUE(c) << c.error().message;
  server.hang_up();
  auto bound = (*c)->bind(kService, kServicePassword);
  ASSERT_FALSE(bound);
  EXPECT_EQ(bound.error().failure, Failure::kUnavailable);
  EXPECT_TRUE((*c)->broken());
  (*c)->bind(kService, kServicePassword);  // a write to the reset socket: EPIPE, not SIGPIPE
  c->reset();                              // and the unbind's
}

TEST(DirectoryConnection, AnAnswerLongerThanTheLimitFailsAtItsHeaderNotAtTheTimeout) {
  SilentServer server;
  // A BindResponse announced as 100 MiB (SEQUENCE, long form, 4 length bytes), then nothing:
  // without the limit libldap would allocate for it and wait for the rest until the timeout.
  server.answer_with(std::string("\x30\x84\x06\x40\x00\x00\x02\x01\x01", 9));
  auto c = Connection::open({.url = server.url("ldap"), .connect_timeout = 2s, .timeout = 2s});
  ASSERT_TRUE(c) << c.error().message;
  Result<void, LdapError> bound;
  const auto took = timed([&] { bound = (*c)->bind(kService, kServicePassword); });
  ASSERT_FALSE(bound);
  EXPECT_EQ(bound.error().failure, Failure::kUnavailable);
  EXPECT_LT(took, 1s) << "refused at the header, not after the 2 s timeout";
}

/// libldap 2.5 keeps the message it could not decode (about 4 KiB) when a complete answer is
/// malformed: a leak in the library, once per such answer from a broken or hostile server (the
/// connection is dropped each time). Under LeakSanitizer, what is allocated in this scope is not
/// reported; everything else of the test still is.
class KnownLibraryLeak {
 public:
#if defined(__SANITIZE_ADDRESS__)
  KnownLibraryLeak() { __lsan_disable(); }
  ~KnownLibraryLeak() { __lsan_enable(); }
#endif
};

TEST(DirectoryConnection, AMalformedAnswerIsUnavailableAndBreaksTheConnection) {
  for (const std::string& garbage : {std::string("HTTP/1.1 400 Bad Request\r\n\r\n"), std::string("\x30\x05\x02\x01\x01\x61\x7f", 7)}) {
    SilentServer server;
    server.answer_with(garbage);  // an incomplete message waits for the rest: the timeout ends it
    auto c = Connection::open({.url = server.url("ldap"), .connect_timeout = 500ms, .timeout = 500ms});
    ASSERT_TRUE(c) << c.error().message;
    Result<void, LdapError> bound;
    {
      [[maybe_unused]] KnownLibraryLeak libldap;
      bound = (*c)->bind(kService, kServicePassword);
    }
    ASSERT_FALSE(bound);
    EXPECT_EQ(bound.error().failure, Failure::kUnavailable) << bound.error().message;
    EXPECT_TRUE((*c)->broken());
  }
}

TEST(DirectoryConnection, AHungServerCostsNoMoreThanTheTimeouts) {
  SilentServer hung;
  // ldaps://: the TLS handshake waits for an answer that never comes; libldap 2.5 does not bound
  // it, the watchdog does.
  const auto handshake = timed([&] {
    auto r = Connection::open({.url = hung.url("ldaps"), .connect_timeout = 500ms, .timeout = 500ms});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().failure, Failure::kUnavailable);
  });
  EXPECT_LT(handshake, 2000ms);
  // ldap://: the connection opens (the kernel accepts it); the bind's answer never comes.
  auto c = Connection::open({.url = hung.url("ldap"), .connect_timeout = 500ms, .timeout = 500ms});
  ASSERT_TRUE(c) << c.error().message;
  const auto bind = timed([&] {
    auto r = (*c)->bind(kService, kServicePassword);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().failure, Failure::kUnavailable);
  });
  EXPECT_LT(bind, 2000ms);
  EXPECT_TRUE((*c)->broken());
}

}  // namespace
}  // namespace gatehouse::directory
