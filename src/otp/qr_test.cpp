#include "otp/qr.hpp"

#include <algorithm>
#include <string>

#include <gtest/gtest.h>

namespace gatehouse::otp {
namespace {

std::string view_box(const std::string& svg) {
  const std::string key = "viewBox=\"";
  const auto start = svg.find(key);
  if (start == std::string::npos) return {};
  const auto end = svg.find('"', start + key.size());
  return svg.substr(start + key.size(), end - start - key.size());
}

TEST(Qr, IsOneWellFormedSvgElementWithABackgroundAndOnePath) {
  auto svg = qr_svg("otpauth://totp/Acme:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme");
  ASSERT_TRUE(svg) << svg.error();
  EXPECT_EQ(svg->rfind("<svg xmlns=\"http://www.w3.org/2000/svg\" ", 0), 0u);
  EXPECT_TRUE(svg->ends_with("\"/></svg>"));
  EXPECT_EQ(std::count(svg->begin(), svg->end(), '<'), 4);  // <svg <rect <path </svg>
  EXPECT_EQ(std::count(svg->begin(), svg->end(), '>'), 4);
  EXPECT_EQ(std::count(svg->begin(), svg->end(), '"') % 2, 0);
  EXPECT_EQ(svg->find("<path"), svg->rfind("<path"));
  // Only path commands and numbers in the path data: nothing of the input leaks as markup.
  const auto d = svg->find(" d=\"") + 4;
  const auto d_end = svg->find('"', d);
  EXPECT_EQ(svg->substr(d, d_end - d).find_first_not_of("0123456789 Mhvz-"), std::string::npos);
}

TEST(Qr, HasTheModuleCountOfTheVersionLevelMNeedsPlusTheQuietZone) {
  // Level M in byte mode holds 14 bytes in version 1 (21 modules) and 26 in version 2 (25).
  auto v1 = qr_svg(std::string(14, 'a'));
  ASSERT_TRUE(v1);
  EXPECT_EQ(view_box(*v1), "0 0 29 29");
  auto v2 = qr_svg(std::string(15, 'a'));
  ASSERT_TRUE(v2);
  EXPECT_EQ(view_box(*v2), "0 0 33 33");
  // The top-left finder pattern starts at the quiet zone with a run of seven dark modules.
  EXPECT_NE(v1->find("d=\"M4 4h7v1h-7z"), std::string::npos);
}

TEST(Qr, IsDeterministic) {
  EXPECT_EQ(*qr_svg("otpauth://totp/A:b?secret=MY"), *qr_svg("otpauth://totp/A:b?secret=MY"));
  EXPECT_NE(*qr_svg("otpauth://totp/A:b?secret=MY"), *qr_svg("otpauth://totp/A:c?secret=MY"));
}

TEST(Qr, RefusesEmptyAndOverlongText) {
  EXPECT_EQ(qr_svg("").error(), "qr: nothing to encode");
  EXPECT_EQ(qr_svg(std::string(kQrMaxText + 1, 'a')).error(), "qr: the text is longer than 1024 bytes");
  EXPECT_TRUE(qr_svg(std::string(kQrMaxText, 'a')));
}

}  // namespace
}  // namespace gatehouse::otp
