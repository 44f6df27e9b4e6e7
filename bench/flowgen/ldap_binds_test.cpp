// The user lists of gatehouse-flowgen ldap-binds: what the bench binds as must be exactly the DNs
// bench/run put in the directory, and a malformed list must be refused before any bind.
#include "ldap_binds.hpp"

#include <cstdio>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace gatehouse::bench {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(LdapBindUsers, PatternNumbersTheUsersFromZero) {
  auto dns = dns_from_pattern("uid=bench%d,ou=people,dc=example,dc=test", 3);
  ASSERT_TRUE(dns) << dns.error();
  EXPECT_THAT(*dns, ElementsAre("uid=bench0,ou=people,dc=example,dc=test", "uid=bench1,ou=people,dc=example,dc=test",
                                "uid=bench2,ou=people,dc=example,dc=test"));
}

TEST(LdapBindUsers, PatternLeavesOtherPercentSignsAlone) {
  auto dns = dns_from_pattern("cn=50%s off %d", 1);
  ASSERT_TRUE(dns) << dns.error();
  EXPECT_THAT(*dns, ElementsAre("cn=50%s off 0"));
}

TEST(LdapBindUsers, PatternNeedsExactlyOneNumberAndACount) {
  EXPECT_THAT(dns_from_pattern("uid=bench,ou=people", 3).error(), HasSubstr("exactly once"));
  EXPECT_THAT(dns_from_pattern("uid=%d%d", 3).error(), HasSubstr("exactly once"));
  EXPECT_THAT(dns_from_pattern("uid=%d", 0).error(), HasSubstr("1.."));
  EXPECT_THAT(dns_from_pattern("uid=%d", kMaxBindUsers + 1).error(), HasSubstr("1.."));
}

TEST(LdapBindUsers, TextListsOneDnALineTrimmedWithoutCommentsOrBlankLines) {
  auto dns = dns_from_text("# bench users\n  uid=a,dc=test \r\n\n\t\nuid=b, dc=test\n#uid=c\nuid=d");
  ASSERT_TRUE(dns) << dns.error();
  EXPECT_THAT(*dns, ElementsAre("uid=a,dc=test", "uid=b, dc=test", "uid=d"));
}

TEST(LdapBindUsers, EmptyListIsRefused) {
  EXPECT_THAT(dns_from_text("").error(), HasSubstr("no user"));
  EXPECT_THAT(dns_from_text("# only a comment\n\n  \n").error(), HasSubstr("no user"));
}

TEST(LdapBindUsers, FileIsReadAndAMissingOneNamed) {
  const std::string path = ::testing::TempDir() + "ldap_binds_test_users.txt";
  {
    std::ofstream out(path);
    out << "uid=x,dc=test\nuid=y,dc=test\n";
  }
  auto dns = dns_from_file(path);
  std::remove(path.c_str());
  ASSERT_TRUE(dns) << dns.error();
  EXPECT_THAT(*dns, ElementsAre("uid=x,dc=test", "uid=y,dc=test"));
  EXPECT_THAT(dns_from_file(path).error(), HasSubstr(path));
}

}  // namespace
}  // namespace gatehouse::bench
