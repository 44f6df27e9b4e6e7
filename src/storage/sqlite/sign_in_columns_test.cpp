// The participants column of sso_sessions (storage/sign_in_columns.hpp), shared by both backends:
// its encoding round-trips, and a record no node wrote is skipped, never misread.
#include "storage/sign_in_columns.hpp"

#include <gtest/gtest.h>

namespace gatehouse::storage::sign_in_columns {
namespace {

TEST(SignInColumns, ParticipantsRoundTripAnyBytes) {
  const std::vector<session::Participant> participants{
      {"oidc", "web-app", 1'767'225'600, ""},
      {"cas", "https://cas.example.com/login?a=1 b", 1'767'225'601, "ST-1\t2\n3%"},
      {"saml", std::string("sp\0\xff", 4), 0, "_idx"}};
  const auto back = decode_participants(encode_participants(participants));
  ASSERT_EQ(back.size(), participants.size());
  for (std::size_t i = 0; i < back.size(); ++i) {
    EXPECT_EQ(back[i].protocol, participants[i].protocol);
    EXPECT_EQ(back[i].service, participants[i].service);
    EXPECT_EQ(back[i].at, participants[i].at);
    EXPECT_EQ(back[i].detail, participants[i].detail);
  }
}

// Found by fuzz/stored_rows_fuzz.cpp: a time of more digits than an int64 holds overflowed (UB).
TEST(SignInColumns, SkipsARecordWhoseTimeDoesNotFit) {
  const std::string column = "\noidc\tweb-app\t1767225606666666666666666666666666666\t\n"
                             "\ncas\tsvc\t9223372036854775807\td\n"
                             "\nsaml\tsp\t9223372036854775808\t";
  const auto back = decode_participants(column);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].protocol, "cas");
  EXPECT_EQ(back[0].at, 9'223'372'036'854'775'807);
}

}  // namespace
}  // namespace gatehouse::storage::sign_in_columns
