#include "directory/escape.hpp"

#include <string>

#include <gtest/gtest.h>

namespace gatehouse::directory {
namespace {

using namespace std::string_literals;

TEST(EscapeFilterValue, TheFilterMetacharactersAndNulBecomeHexPairs) {
  EXPECT_EQ(escape_filter_value("ada"), "ada");
  EXPECT_EQ(escape_filter_value("*"), "\\2a");
  EXPECT_EQ(escape_filter_value("a(b)c"), "a\\28b\\29c");
  EXPECT_EQ(escape_filter_value("back\\slash"), "back\\5cslash");
  EXPECT_EQ(escape_filter_value("nul\0byte"s), "nul\\00byte");
  EXPECT_EQ(escape_filter_value("tab\tand\x7f"), "tab\\09and\\7f");
}

TEST(EscapeFilterValue, AnInjectionAttemptStaysOneAssertionValue) {
  // Put into (uid={user}), this would otherwise match every entry or add a clause of its own.
  const auto escaped = escape_filter_value("*)(uid=*))(|(uid=*");
  EXPECT_EQ(escaped, "\\2a\\29\\28uid=\\2a\\29\\29\\28|\\28uid=\\2a");
  EXPECT_EQ(escaped.find_first_of("()*"), std::string::npos);
}

TEST(EscapeFilterValue, Utf8IsKeptAsItIs) {
  EXPECT_EQ(escape_filter_value("Jos\xc3\xa9 \xe6\x9d\x8e"), "Jos\xc3\xa9 \xe6\x9d\x8e");
}

TEST(EscapeDnValue, TheSpecialCharactersArePrecededByABackslash) {
  EXPECT_EQ(escape_dn_value("ada"), "ada");
  EXPECT_EQ(escape_dn_value("Lovelace, Ada"), "Lovelace\\, Ada");
  EXPECT_EQ(escape_dn_value("a+b=c;d<e>f\"g\\h"), "a\\+b\\=c\\;d\\<e\\>f\\\"g\\\\h");
  EXPECT_EQ(escape_dn_value("x,ou=admins"), "x\\,ou\\=admins") << "cannot add an RDN";
}

TEST(EscapeDnValue, ALeadingHashOrSpaceAndATrailingSpaceAreEscapedOnlyThere) {
  EXPECT_EQ(escape_dn_value("#1"), "\\#1");
  EXPECT_EQ(escape_dn_value("a#1"), "a#1");
  EXPECT_EQ(escape_dn_value(" ada "), "\\ ada\\ ");
  EXPECT_EQ(escape_dn_value("a b"), "a b");
  EXPECT_EQ(escape_dn_value(" "), "\\ ");
}

TEST(EscapeDnValue, ControlBytesBecomeHexPairs) {
  EXPECT_EQ(escape_dn_value("a\0b"s), "a\\00b");
  EXPECT_EQ(escape_dn_value("a\nb"), "a\\0ab");
}

TEST(FillUser, EveryPlaceholderIsReplacedAndAPatternWithoutOneIsRefused) {
  EXPECT_EQ(fill_user("(uid={user})", "ada"), "(uid=ada)");
  EXPECT_EQ(fill_user("(|(uid={user})(mail={user}))", "a\\2a"), "(|(uid=a\\2a)(mail=a\\2a))");
  EXPECT_EQ(fill_user("{user}", ""), "");
  EXPECT_FALSE(fill_user("(uid=ada)", "x"));
  EXPECT_FALSE(fill_user("(uid={usr})", "x"));
}

}  // namespace
}  // namespace gatehouse::directory
