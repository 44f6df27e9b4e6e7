#include "otp/base32.hpp"

#include <gtest/gtest.h>

namespace gatehouse::otp {
namespace {

struct Vector {
  const char* bytes;
  const char* padded;
  const char* unpadded;
};

// RFC 4648 §10.
constexpr Vector kRfc4648[] = {
    {"", "", ""},
    {"f", "MY======", "MY"},
    {"fo", "MZXQ====", "MZXQ"},
    {"foo", "MZXW6===", "MZXW6"},
    {"foob", "MZXW6YQ=", "MZXW6YQ"},
    {"fooba", "MZXW6YTB", "MZXW6YTB"},
    {"foobar", "MZXW6YTBOI======", "MZXW6YTBOI"},
};

TEST(Base32, EncodesTheRfc4648VectorsPaddedAndUnpadded) {
  for (const auto& v : kRfc4648) {
    EXPECT_EQ(base32_encode(v.bytes, Base32Padding::kPadded), v.padded) << v.bytes;
    EXPECT_EQ(base32_encode(v.bytes), v.unpadded) << v.bytes;
  }
}

TEST(Base32, DecodesTheRfc4648VectorsPaddedAndUnpadded) {
  for (const auto& v : kRfc4648) {
    auto padded = base32_decode(v.padded);
    ASSERT_TRUE(padded) << v.padded << ": " << padded.error();
    EXPECT_EQ(*padded, v.bytes);
    auto unpadded = base32_decode(v.unpadded);
    ASSERT_TRUE(unpadded) << v.unpadded << ": " << unpadded.error();
    EXPECT_EQ(*unpadded, v.bytes);
  }
}

TEST(Base32, RoundTripsEveryLengthAndByteValue) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    bytes += static_cast<char>((i * 73 + 11) & 0xFF);
    for (auto padding : {Base32Padding::kNone, Base32Padding::kPadded}) {
      auto decoded = base32_decode(base32_encode(bytes, padding));
      ASSERT_TRUE(decoded) << i;
      EXPECT_EQ(*decoded, bytes);
    }
  }
}

TEST(Base32, AcceptsLowerCaseAndSpacesAsOtherIdpsExportThem) {
  auto grouped = base32_decode("mzxw 6ytb oi== ====");
  ASSERT_TRUE(grouped) << grouped.error();
  EXPECT_EQ(*grouped, "foobar");
  auto mixed = base32_decode(" MzXw6YtBoI ");
  ASSERT_TRUE(mixed);
  EXPECT_EQ(*mixed, "foobar");
}

TEST(Base32, RefusesCharactersOutsideTheAlphabet) {
  for (const char* bad : {"MZXW6YT1", "MZXW6YT8", "MZXW6YT0", "MZXW-6YTB", "MZXW\t6YTB", "MZXW6YTB\n",
                          "MZXW6YT\xC3\xA9"}) {
    auto r = base32_decode(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().find("outside the alphabet"), std::string::npos) << r.error();
  }
}

TEST(Base32, RefusesImpossibleLengthsWrongPaddingAndDataAfterPadding) {
  // 1, 3 and 6 characters in the last group cannot end on a byte boundary.
  for (const char* bad : {"M", "MZX", "MZXW6Y", "MZXW6YTBO"}) {
    auto r = base32_decode(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error(), "base32: impossible length");
  }
  for (const char* bad : {"MY=", "MY=====", "MZXW6YTB========", "MZXQ=====", "========"}) {
    auto r = base32_decode(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error(), "base32: wrong '=' padding");
  }
  auto after = base32_decode("MY======MY");
  ASSERT_FALSE(after);
  EXPECT_NE(after.error().find("after '=' padding"), std::string::npos);
}

TEST(Base32, RefusesNonZeroUnusedBits) {
  // "MY" is 'f' with two zero bits left over; "MZ" sets one of them.
  auto r = base32_decode("MZ");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "base32: non-zero unused bits");
}

TEST(Base32, TheErrorNamesThePositionButNeverEchoesTheInput) {
  auto r = base32_decode("SECRETSE!");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "base32: a character outside the alphabet at position 8");
}

}  // namespace
}  // namespace gatehouse::otp
