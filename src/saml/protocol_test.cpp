// The small SAML pieces: UTC instants both ways, message IDs, XML escaping.
#include "saml/protocol.hpp"

#include <set>

#include <gtest/gtest.h>

namespace gatehouse::saml {
namespace {

TEST(SamlProtocol, InstantsAreUtcAndReadBack) {
  EXPECT_EQ(iso8601(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(iso8601(1'800'000'000), "2027-01-15T08:00:00Z");
  EXPECT_EQ(parse_instant("2027-01-15T08:00:00Z"), 1'800'000'000);
  EXPECT_EQ(parse_instant("2027-01-15T08:00:00.123456Z"), 1'800'000'000) << "fractions dropped";
  EXPECT_EQ(parse_instant("2027-01-15T08:00:00+00:00"), 1'800'000'000);
  for (const char* bad : {"", "2027-01-15T08:00:00", "2027-01-15T08:00:00+01:00", "2027-01-15 08:00:00Z",
                          "2027-02-30T08:00:00Z", "2027-13-01T00:00:00Z", "2027-01-15T24:00:00Z", "2027-01-15T08:00:00.Z",
                          "2027-01-15T08:00:00ZZ", "+2027-01-15T08:00:00Z", "2027-01-15T08:00:00.1234567890Z"})
    EXPECT_EQ(parse_instant(bad), std::nullopt) << bad;
}

TEST(SamlProtocol, IdsAreFreshNcNames) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto id = new_id();
    ASSERT_EQ(id.size(), 41u);
    EXPECT_EQ(id[0], '_');
    EXPECT_TRUE(seen.insert(id).second);
  }
}

TEST(SamlProtocol, EscapingLeavesNoMarkupAndNoIllegalCharacter) {
  EXPECT_EQ(xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(xml_escape("tab\there\nline"), "tab&#9;here&#10;line");
  EXPECT_EQ(xml_escape(std::string("x\x01y", 3)), "x\xEF\xBF\xBDy");
  EXPECT_EQ(xml_escape("caf\xC3\xA9"), "caf\xC3\xA9");
}

TEST(SamlProtocol, LoggableTextHasNoControlsAndIsBounded) {
  EXPECT_EQ(loggable("a\nb\x1b[31m\xc3\xa9"), "a?b?[31m??");
  EXPECT_EQ(loggable(std::string(300, 'x'), 10), "xxxxxxxxxx...");
  EXPECT_TRUE(is_ncname("_a-1.b"));
  EXPECT_FALSE(is_ncname("1a"));
  EXPECT_FALSE(is_ncname("a:b"));
  EXPECT_FALSE(is_ncname(""));
}

}  // namespace
}  // namespace gatehouse::saml
