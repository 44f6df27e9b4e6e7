#include "user/user_profile.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace gatehouse::user {
namespace {

namespace json = boost::json;

Result<ProfileDraft, ProfileError> parse(std::string_view text, ProfileRules rules = {}) {
  return parse_profile(json::parse(text).as_object(), rules);
}

TEST(UserProfile, ReadsStandardClaimsAndThePassword) {
  auto d = parse(R"({"username":"ada","password":"long enough","email":"ada@example.com","email_verified":true,
                     "given_name":"Ada","family_name":"Lovelace","name":"Ada Lovelace","active":false})");
  ASSERT_TRUE(d) << d.error().field;
  EXPECT_EQ(d->user.username, "ada");
  EXPECT_EQ(d->user.email, "ada@example.com");
  EXPECT_TRUE(d->user.email_verified);
  EXPECT_EQ(d->user.family_name, "Lovelace");
  EXPECT_FALSE(d->user.active);
  ASSERT_TRUE(d->password);
  EXPECT_EQ(d->password->reveal(), "long enough");
}

TEST(UserProfile, EachInvalidMemberIsNamed) {
  struct Case {
    const char* doc;
    const char* field;
  };
  const Case cases[] = {
      {R"({})", "username"},
      {R"({"username":"has space"})", "username"},
      {R"({"username":"ada","password":"short"})", "password"},
      {R"({"username":"ada","password":7})", "password"},
      {R"({"username":"ada","email":"not-an-email"})", "email"},
      {R"({"username":"ada","email_verified":"yes"})", "email_verified"},
      {R"({"username":"ada","picture":"ftp://x/y.png"})", "picture"},
      {R"({"username":"ada","name":"line\nbreak"})", "name"},
      {R"({"username":"ada","password_hash":"$argon2id$..."})", "password_hash"},
      {R"({"username":"ada","role":"admin"})", "role"},
  };
  for (const auto& c : cases) {
    auto d = parse(c.doc);
    ASSERT_FALSE(d) << c.doc;
    EXPECT_EQ(d.error().field, c.field) << c.doc;
  }
}

TEST(UserProfile, PasswordsAreRefusedWhereTheyHaveTheirOwnEndpoint) {
  auto d = parse(R"({"username":"ada","password":"long enough"})", ProfileRules{false, 8});
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().field, "password");
}

TEST(UserProfile, AnImportedTotpSecretIsDecodedAndBadBase32IsRefusedWithoutEchoingIt) {
  // RFC 6238's SHA-1 test seed "12345678901234567890", as other IdPs export it (lower case, spaced).
  auto d = parse(R"({"username":"ada","totp_secret":"gezd gnbv gy3t qojq gezd gnbv gy3t qojq"})");
  ASSERT_TRUE(d) << d.error().message;
  ASSERT_TRUE(d->totp_seed);
  EXPECT_EQ(d->totp_seed->reveal(), "12345678901234567890");
  EXPECT_FALSE(parse(R"({"username":"ada"})")->totp_seed);
  EXPECT_FALSE(parse(R"({"username":"ada","totp_secret":null})")->totp_seed);
  for (const char* bad : {R"("GEZD GNBV GY3T QOJ!")", R"("GEZDGNBV")", R"(7)", R"("")"}) {
    auto refused = parse(std::string(R"({"username":"ada","totp_secret":)") + bad + "}");
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().field, "totp_secret");
    EXPECT_EQ(refused.error().message.find("GEZD"), std::string::npos) << refused.error().message;
  }
  // PUT (no password allowed) takes a seed too.
  EXPECT_TRUE(parse(R"({"username":"ada","totp_secret":"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"})", ProfileRules{false, 8})->totp_seed);
}

TEST(UserProfile, MinimumLengthCountsCharactersNotBytes) {
  EXPECT_EQ(password_problem("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 5), "must be at least 5 characters");  // 4 x é
  EXPECT_EQ(password_problem("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 5), "");
}

TEST(UserProfile, JsonHasNoPasswordHashAndRoundTrips) {
  User u;
  u.id = "u1";
  u.username = "ada";
  u.password_hash = "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA";
  auto doc = to_json(u, 1234);
  EXPECT_FALSE(doc.contains("password_hash"));
  EXPECT_EQ(json::serialize(doc).find("argon2"), std::string::npos);
  EXPECT_TRUE(doc.at("has_password").as_bool());
  EXPECT_EQ(doc.at("locked_until").as_int64(), 1234);
  auto again = parse_profile(doc, ProfileRules{false, 8});
  ASSERT_TRUE(again) << again.error().field;
  EXPECT_EQ(again->user.username, "ada");
}

}  // namespace
}  // namespace gatehouse::user
