#include "admin/api_key_request.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace gatehouse::admin {
namespace {

namespace json = boost::json;

constexpr UnixSeconds kNow = 1'700'000'000;

Result<ApiKeyRequest, ApiKeyRequestError> parse(std::string_view text) {
  return parse_api_key_request(json::parse(text).as_object(), kNow);
}

TEST(ApiKeyRequest, ReadsEveryMember) {
  auto empty = parse("{}");
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->role, ApiKeyRole::kAdmin);
  EXPECT_FALSE(empty->expires_at.has_value());
  auto full = parse(R"({"description":"ci robot","role":"read_only","expires_at":1700000001})");
  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(full->description, "ci robot");
  EXPECT_EQ(full->role, ApiKeyRole::kReadOnly);
  EXPECT_EQ(full->expires_at, 1'700'000'001);
  EXPECT_FALSE(parse(R"({"expires_at":null})")->expires_at.has_value());
  EXPECT_TRUE(parse(R"({"expires_at":253402300799})").has_value());
}

TEST(ApiKeyRequest, NamesTheMemberAtFault) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"description":7})", "description"},
      {R"({"role":"owner"})", "role"},
      {R"({"expires_at":1700000000})", "expires_at"},       // not in the future
      {R"({"expires_at":253402300800})", "expires_at"},     // after 9999-12-31
      {R"({"expires_at":1.8e9})", "expires_at"},            // not an integer
      {R"({"expires_at":18446744073709551615})", "expires_at"},
      {R"({"key":"ghk_chosen-by-the-caller"})", "key"},
  };
  for (const auto& [text, field] : cases) {
    auto r = parse(text);
    ASSERT_FALSE(r.has_value()) << text;
    EXPECT_EQ(r.error().field, field) << text;
  }
  EXPECT_EQ(parse(R"({"description":")" + std::string(201, 'd') + "\"}").error().field, "description");
}

}  // namespace
}  // namespace gatehouse::admin
