// The binary text[] codec of connection.cpp (Params::text_array, Row::text_array): no server
// needed, so these run whether or not GATEHOUSE_TEST_POSTGRES_URL is set.
#include "storage/postgres/connection.hpp"

#include <gtest/gtest.h>

namespace gatehouse::storage::postgres {
namespace {

// Big-endian 4-byte integer, as the binary format writes it.
std::string be4(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

// The array header for one dimension of `count` text elements.
std::string header(std::uint32_t count) { return be4(1) + be4(0) + be4(25) + be4(count) + be4(1); }

TEST(TextArray, RoundTripsAnyElements) {
  const std::vector<std::vector<std::string>> cases = {
      {}, {""}, {"https://a.example/cb", "https://b.example/cb"}, {std::string("nul\0byte", 8), "\xc3\xa9", "a,b"}};
  for (const auto& items : cases) {
    auto back = decode_text_array(encode_text_array(items));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, items);
  }
  // An empty array has no dimensions: ndim 0, no nulls, element type text.
  EXPECT_EQ(encode_text_array({}), be4(0) + be4(0) + be4(25));
  EXPECT_EQ(encode_text_array({"ab"}), header(1) + be4(2) + "ab");
}

TEST(TextArray, RefusesWhatIsNotAOneDimensionalArrayOfText) {
  EXPECT_EQ(decode_text_array("").error(), "a well-formed text[]");
  EXPECT_EQ(decode_text_array(be4(0) + be4(0)).error(), "a well-formed text[]");  // cut in the header
  EXPECT_EQ(decode_text_array(be4(2) + be4(0) + be4(25) + be4(1) + be4(1) + be4(1) + be4(1)).error(),
            "a one-dimensional text[]");
  EXPECT_EQ(decode_text_array(header(1) + be4(0xffffffff)).error(), "a text[] without NULL elements");  // length -1
  EXPECT_EQ(decode_text_array(header(1) + be4(5) + "abc").error(), "a well-formed text[]");  // element cut short
  EXPECT_EQ(decode_text_array(header(2) + be4(1) + "a").error(), "a well-formed text[]");   // second element missing
}

TEST(TextArray, RefusesACountTheBytesCannotHoldBeforeReservingForIt) {
  // 2^31 - 1 elements announced in 4 bytes: refused at once, nothing allocated for them.
  EXPECT_EQ(decode_text_array(header(0x7fffffff) + be4(0)).error(), "a well-formed text[]");
  EXPECT_EQ(decode_text_array(header(0x80000000)).error(), "a well-formed text[]");  // a negative count
  // Three empty elements need twelve bytes of lengths; eleven are not enough.
  EXPECT_FALSE(decode_text_array(header(3) + std::string(11, '\0')).has_value());
  auto three = decode_text_array(header(3) + std::string(12, '\0'));
  ASSERT_TRUE(three.has_value());
  EXPECT_EQ(*three, (std::vector<std::string>{"", "", ""}));
}

}  // namespace
}  // namespace gatehouse::storage::postgres
