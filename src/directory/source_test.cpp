// directory::Source against the OpenLDAP server scripts/test starts (tests/ldap/directory.ldif),
// alone and behind servers that are not there or do not answer (failover).
#include "directory/source.hpp"

#include <chrono>
#include <cstdlib>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "directory/testing/silent_server.hpp"
#include "directory/testing/test_directory.hpp"

namespace gatehouse::directory {
namespace {

using namespace std::chrono_literals;
using testing::SilentServer;

using testing::env;
using testing::timed;

SourceOptions test_source() {
  SourceOptions o;
  o.name = "test-directory";
  o.urls = {env("GATEHOUSE_TEST_LDAP_URL")};
  o.bind_dn = "cn=gatehouse,ou=services,dc=example,dc=test";
  o.bind_password = "service-account-secret";
  o.user_base = "ou=people,dc=example,dc=test";
  o.claims = {{"email", "mail"}, {"name", "displayName"}, {"family_name", "sn"}};
  o.connect_timeout = 500ms;
  o.timeout = 500ms;
  return o;
}

std::string closed_url() {
  SilentServer gone;
  return gone.url("ldap");  // closed when `gone` goes: nothing listens there then
}

TEST(DirectorySource, ASignInReadsTheStableIdTheClaimsAndTheGroups) {
  REQUIRE_LDAP();
  Source source(test_source());
  auto ada = source.sign_in("ada", "analytical-engine");
  ASSERT_TRUE(ada) << ada.error().detail;
  EXPECT_EQ(ada->source, "test-directory");
  EXPECT_EQ(ada->external_id, "2d7b3c10-5f1a-4e0b-8c7d-0000000000a1");
  EXPECT_EQ(ada->dn, "uid=ada,ou=people,dc=example,dc=test");
  EXPECT_EQ(ada->username, "ada");
  EXPECT_EQ(ada->claims.at("email"), "ada@example.test");
  EXPECT_EQ(ada->claims.at("name"), "Ada Lovelace");
  EXPECT_EQ(ada->groups, (std::vector<std::string>{"admins", "engineers"}));
}

TEST(DirectorySource, AWrongPasswordAnUnknownUserAndFilterCharactersAreRefused) {
  REQUIRE_LDAP();
  Source source(test_source());
  EXPECT_EQ(source.sign_in("ada", "not-it").error().refusal, Refusal::kWrongPassword);
  EXPECT_EQ(source.sign_in("nobody", "analytical-engine").error().refusal, Refusal::kUnknownUser);
  // Unescaped, "*" would match every person and "ada)(uid=*" would add a clause.
  EXPECT_EQ(source.sign_in("*", "analytical-engine").error().refusal, Refusal::kUnknownUser);
  EXPECT_EQ(source.sign_in("ada)(uid=*", "analytical-engine").error().refusal, Refusal::kUnknownUser);
  EXPECT_EQ(source.sign_in("ada", "").error().refusal, Refusal::kWrongPassword) << "never sent";
  EXPECT_EQ(source.sign_in(std::string(300, 'a'), "x").error().refusal, Refusal::kUnknownUser);
}

TEST(DirectorySource, DirectBindWithADnTemplateAndGroupsBySearch) {
  REQUIRE_LDAP();
  auto o = test_source();
  o.groups = GroupLookup::kSearch;
  o.group_base = "ou=groups,dc=example,dc=test";
  auto grace = Source(o).sign_in("grace", "compiler-1952");
  ASSERT_TRUE(grace) << grace.error().detail;
  EXPECT_EQ(grace->groups, std::vector<std::string>{"engineers"});

  o.bind_dn.clear();  // no service account: the user's DN from the template
  o.groups = GroupLookup::kMemberOf;
  o.dn_template = "uid={user},ou=people,dc=example,dc=test";
  Source direct(o);
  auto again = direct.sign_in("grace", "compiler-1952");
  ASSERT_TRUE(again) << again.error().detail;
  EXPECT_EQ(again->external_id, "2d7b3c10-5f1a-4e0b-8c7d-0000000000a2");
  EXPECT_EQ(direct.sign_in("grace", "wrong").error().refusal, Refusal::kWrongPassword);
  EXPECT_EQ(direct.sign_in("grace,ou=services", "compiler-1952").error().refusal, Refusal::kWrongPassword)
      << "the login cannot add an RDN to the template";
}

TEST(DirectorySource, ServersThatAreDownOrHungAreSkippedWithinTheTimeoutAndThenLeftAlone) {
  REQUIRE_LDAP();
  SilentServer hung;
  auto o = test_source();
  o.urls = {closed_url(), hung.url("ldap"), env("GATEHOUSE_TEST_LDAP_URL")};
  Source source(o);
  const auto first = timed([&] { ASSERT_TRUE(source.sign_in("ada", "analytical-engine")); });
  // The refused one costs nothing, the hung one its timeout (the bind's answer never comes).
  EXPECT_LT(first, o.connect_timeout + o.timeout + 500ms);
  const auto health = source.health();
  ASSERT_EQ(health.size(), 3u);
  EXPECT_FALSE(health[0].up);
  EXPECT_FALSE(health[1].up);
  EXPECT_TRUE(health[2].up);
  EXPECT_NE(health[1].last_error.find("bind"), std::string::npos) << health[1].last_error;
  const auto second = timed([&] { ASSERT_TRUE(source.sign_in("grace", "compiler-1952")); });
  EXPECT_LT(second, 300ms) << "the servers marked down are not asked again";
}

TEST(DirectorySource, WithEveryServerDownASignInIsUnavailable) {
  REQUIRE_LDAP();
  auto o = test_source();
  o.urls = {closed_url()};
  Source source(o);
  auto r = source.sign_in("ada", "analytical-engine");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().refusal, Refusal::kUnavailable);
  EXPECT_EQ(source.sign_in("ada", "analytical-engine").error().refusal, Refusal::kUnavailable)
      << "asked again although marked down: it is the only one";
}

TEST(DirectorySource, AServiceAccountWithAWrongPasswordIsAConfigurationError) {
  REQUIRE_LDAP();
  auto o = test_source();
  o.bind_password = "not-the-service-password";
  EXPECT_EQ(Source(o).sign_in("ada", "analytical-engine").error().refusal, Refusal::kMisconfigured);
}

TEST(DirectorySource, AnEntryIsFoundAgainByItsStableIdAndAGoneOneIsUnknown) {
  REQUIRE_LDAP();
  Source source(test_source());
  auto ada = source.find("2d7b3c10-5f1a-4e0b-8c7d-0000000000a1");
  ASSERT_TRUE(ada) << ada.error().detail;
  EXPECT_EQ(ada->username, "ada");
  EXPECT_EQ(source.find("2d7b3c10-5f1a-4e0b-8c7d-0000000000ff").error().refusal, Refusal::kUnknownUser);
  EXPECT_EQ(source.find("*").error().refusal, Refusal::kUnknownUser) << "escaped: not a wildcard";
  auto direct = test_source();
  direct.bind_dn.clear();
  direct.dn_template = "uid={user},ou=people,dc=example,dc=test";
  EXPECT_EQ(Source(direct).find("2d7b3c10-5f1a-4e0b-8c7d-0000000000a1").error().refusal, Refusal::kMisconfigured)
      << "without a service account an entry is read only with the user's password";
}

TEST(DirectorySource, ActiveDirectoryEntriesByAccountNameOrUpnLinkedByObjectGuid) {
  REQUIRE_LDAP();
  auto o = test_source();
  o.flavour = Flavour::kActiveDirectory;  // the entries of tests/ldap/ad.schema under ou=staff
  o.user_base = "ou=staff,dc=example,dc=test";
  o.user_filter = "(&(objectCategory=person)(objectClass=user)(|(sAMAccountName={user})(userPrincipalName={user})))";
  o.id_attribute = "objectGUID";
  o.username_attribute = "sAMAccountName";
  o.groups = GroupLookup::kMemberOf;
  Source source(o);
  for (const char* name : {"jdoe", "jdoe@corp.example"}) {
    auto u = source.sign_in(name, "windows-password-1");
    ASSERT_TRUE(u) << name << ": " << u.error().detail;
    EXPECT_EQ(u->external_id, "90395f191ab51b4a9e9686c66cb18d11");
    EXPECT_EQ(u->username, "jdoe");
    EXPECT_EQ(u->groups, std::vector<std::string>{"staff"});
  }
  EXPECT_TRUE(source.find("90395f191ab51b4a9e9686c66cb18d11")) << "objectGUID's hex back to bytes in the filter";
  EXPECT_EQ(source.sign_in("dsabled", "windows-password-2").error().refusal, Refusal::kDisabled) << "userAccountControl 514";
  EXPECT_EQ(source.find("0123456789abcdeffedcba9876543210").error().refusal, Refusal::kDisabled);
  EXPECT_EQ(source.sign_in("dsabled", "wrong").error().refusal, Refusal::kWrongPassword);
}

TEST(DirectorySource, TheHookBeforeTheBindMayRefuseItAndSeesTheEntrysOwnName) {
  REQUIRE_LDAP();
  Source source(test_source());
  std::vector<std::string> seen;
  auto held = source.sign_in(" ADA ", "analytical-engine", [&](const Found& who) {
    seen.push_back(who.username + "/" + who.external_id);
    return false;
  });
  ASSERT_FALSE(held);
  EXPECT_EQ(held.error().refusal, Refusal::kLocked);
  EXPECT_TRUE(held.error().held);
  EXPECT_EQ(seen, std::vector<std::string>{"ada/2d7b3c10-5f1a-4e0b-8c7d-0000000000a1"});
  EXPECT_TRUE(source.sign_in(" ADA ", "analytical-engine", [](const Found&) { return true; }));
}

TEST(DirectorySource, ManyThreadsShareABoundedPool) {
  REQUIRE_LDAP();
  auto o = test_source();
  o.pool_size = 2;
  o.pool_wait = 5s;  // waits for a connection rather than going on without one
  Source source(o);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) ok += source.sign_in(i % 2 ? "ada" : "grace", i % 2 ? "analytical-engine" : "compiler-1952") ? 1 : 0;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 60);
  const auto h = source.health();
  EXPECT_EQ(h[0].in_use, 0u);
  EXPECT_LE(h[0].idle, 2u) << "never more than pool_size connections";
  EXPECT_GE(h[0].idle, 1u);
}

TEST(ActiveDirectory, TheBindErrorsDataCodeSaysWhy) {
  const auto with = [](const char* code) {
    return active_directory_refusal(std::string("80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data ") +
                                    code + ", v4563");
  };
  EXPECT_EQ(with("52e"), Refusal::kWrongPassword);
  EXPECT_EQ(with("525"), Refusal::kUnknownUser);
  EXPECT_EQ(with("532"), Refusal::kPasswordExpired);
  EXPECT_EQ(with("533"), Refusal::kDisabled);
  EXPECT_EQ(with("701"), Refusal::kDisabled);
  EXPECT_EQ(with("773"), Refusal::kMustChangePassword);
  EXPECT_EQ(with("775"), Refusal::kLocked);
  EXPECT_FALSE(with("999"));
  EXPECT_FALSE(active_directory_refusal("Invalid credentials"));
}

TEST(ActiveDirectory, AnObjectGuidIsItsSixteenBytesInHex) {
  const std::string guid("\x10\x32\x54\x76\x98\xba\xdc\xfe\x01\x23\x45\x67\x89\xab\xcd\xef", 16);
  EXPECT_EQ(external_id_text("objectGUID", guid), "1032547698badcfe0123456789abcdef");
  EXPECT_EQ(external_id_text("objectGUID", "short"), "short");
  EXPECT_EQ(external_id_text("entryUUID", "2d7b3c10-5f1a"), "2d7b3c10-5f1a");
}

}  // namespace
}  // namespace gatehouse::directory
