#include "storage/sqlite/string_list.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace gatehouse::storage::sqlite {
namespace {

TEST(StringList, RoundTripsAnyElements) {
  const std::vector<std::vector<std::string>> cases = {
      {}, {""}, {"openid", "profile"}, {"a b", "\"q\"", "\\", std::string("nul\0byte", 8), "\xc3\xa9"}};
  for (const auto& items : cases) EXPECT_EQ(decode_string_list(encode_string_list(items), "c"), items);
  EXPECT_EQ(encode_string_list({}), "[]");
  EXPECT_EQ(encode_string_list({"openid", "email"}), R"(["openid","email"])");
}

TEST(StringList, RejectsTextThatIsNotAnArrayOfStrings) {
  for (const char* bad : {"", "openid profile", "{}", "[1]", "[\"a\",null]", "[\"unterminated"}) {
    EXPECT_THROW(decode_string_list(bad, "clients.scopes"), StorageError) << bad;
  }
}

}  // namespace
}  // namespace gatehouse::storage::sqlite
