#include "core/utf8.hpp"

#include <string>

#include <gtest/gtest.h>

namespace gatehouse {
namespace {

TEST(Utf8Text, AcceptsWellFormedTextAndRefusesEverythingElse) {
  EXPECT_TRUE(is_utf8_text(""));
  EXPECT_TRUE(is_utf8_text("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x94\x91"));
  EXPECT_TRUE(is_utf8_text("\xf4\x8f\xbf\xbf"));  // U+10FFFF
  EXPECT_FALSE(is_utf8_text(std::string("a\0b", 3)));
  EXPECT_FALSE(is_utf8_text("\xc3"));              // truncated
  EXPECT_FALSE(is_utf8_text("\xc0\xaf"));          // overlong
  EXPECT_FALSE(is_utf8_text("\xe0\x80\xaf"));      // overlong
  EXPECT_FALSE(is_utf8_text("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_utf8_text("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_utf8_text("\xff"));
  EXPECT_FALSE(is_utf8_text("\xe2\x9c"));          // truncated in the middle
}

}  // namespace
}  // namespace gatehouse
