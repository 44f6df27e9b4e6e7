#include "core/base64url.hpp"

#include <gtest/gtest.h>

namespace gatehouse {
namespace {

TEST(Base64Url, RoundTripsRfc4648Vectors) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64url_decode("Zm9vYg").value(), "foob");
  EXPECT_EQ(base64url_decode("-_8").value(), "\xfb\xff");
}

TEST(Base64Url, RejectsPaddingForeignCharactersAndImpossibleLengths) {
  EXPECT_FALSE(base64url_decode("Zg=="));
  EXPECT_FALSE(base64url_decode("Zm9v+g"));
  EXPECT_FALSE(base64url_decode("Z"));
  EXPECT_FALSE(base64url_decode("Zh"));  // non-zero trailing bits: not the canonical encoding
}

TEST(Base64, DecodesPaddedAndUnpadded) {
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_decode("Zm8=").value(), "fo");
  EXPECT_EQ(base64_decode("Zm8").value(), "fo");
  EXPECT_EQ(base64_decode("YWxpY2U6c2VjcmV0").value(), "alice:secret");
  EXPECT_FALSE(base64_decode("Zm8-"));
  EXPECT_FALSE(base64_decode("Z==="));
}

}  // namespace
}  // namespace gatehouse
