#include "saml/encoding.hpp"

#include <gtest/gtest.h>

namespace gatehouse::saml {
namespace {

TEST(SamlEncoding, Base64RoundTripsWithAndWithoutLines) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    EXPECT_EQ(base64_decode(base64_encode(s)).value_or("?"), s);
  }
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  const std::string long_input(100, '\xAB');
  const std::string lines = base64_encode(long_input, 76);
  EXPECT_EQ(lines.find('\n'), 76u);
  EXPECT_EQ(base64_decode(lines).value_or(""), long_input);
}

TEST(SamlEncoding, Base64IsStrict) {
  EXPECT_EQ(base64_decode(" Zm9v\r\n YmFy\t").value_or("?"), "foobar");  // whitespace anywhere
  EXPECT_FALSE(base64_decode("Zm8"));        // no padding
  EXPECT_FALSE(base64_decode("Zm8=Zm8="));   // data after padding
  EXPECT_FALSE(base64_decode("Z==="));       // too much padding
  EXPECT_FALSE(base64_decode("Zm-_"));       // base64url alphabet
  EXPECT_FALSE(base64_decode("Zm9v%3D"));    // URL-encoded
  EXPECT_FALSE(base64_decode(std::string("Zm9v\0", 5)));
}

TEST(SamlEncoding, DeflateRoundTrip) {
  const std::string xml = "<samlp:AuthnRequest ID=\"_x\">" + std::string(500, 'a') + "</samlp:AuthnRequest>";
  const std::string packed = deflate_raw(xml);
  EXPECT_LT(packed.size(), xml.size());
  EXPECT_NE(static_cast<unsigned char>(packed[0]), 0x78);  // no zlib header
  auto back = inflate_raw(packed, xml.size());
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(*back, xml);
  auto empty = inflate_raw(deflate_raw(""), 0);
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, "");
}

TEST(SamlEncoding, InflateRefusesABomb) {
  const std::string bomb = deflate_raw(std::string(8 * 1024 * 1024, '\0'));
  ASSERT_LT(bomb.size(), 16 * 1024u);
  auto r = inflate_raw(bomb, 256 * 1024);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "inflate: more than 262144 bytes");
}

TEST(SamlEncoding, InflateRefusesGarbageTruncationAndTrailingBytes) {
  const std::string packed = deflate_raw("hello hello hello");
  EXPECT_EQ(inflate_raw(packed.substr(0, packed.size() - 2), 1024).error(), "inflate: truncated stream");
  EXPECT_EQ(inflate_raw(packed + "x", 1024).error(), "inflate: bytes after the end of the stream");
  EXPECT_FALSE(inflate_raw("\xFF\xFF\xFF\xFF", 1024));
  EXPECT_FALSE(inflate_raw("", 1024));
}

}  // namespace
}  // namespace gatehouse::saml
