#include "otp/totp.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "otp/base32.hpp"

namespace gatehouse::otp {
namespace {

// The keys of RFC 4226 Appendix D and RFC 6238 Appendix B (ASCII digits, repeated to the hash size).
const TotpSeed kSha1Seed("12345678901234567890");
const TotpSeed kSha256Seed("12345678901234567890123456789012");
const TotpSeed kSha512Seed("1234567890123456789012345678901234567890123456789012345678901234");

TEST(Hotp, GivesTheRfc4226AppendixDValues) {
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (std::uint64_t counter = 0; counter < 10; ++counter) {
    EXPECT_EQ(hotp(kSha1Seed, counter, Algorithm::kSha1, 6).reveal(), expected[counter]) << counter;
  }
}

TEST(Totp, ASeedImportedInBase32IsTheSameSeedAndBadTextIsRefused) {
  // RFC 6238 Appendix B's SHA-1 seed "12345678901234567890", in base32 as an otpauth URI carries it.
  const auto seed = seed_from_base32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq");
  ASSERT_TRUE(seed) << seed.error();
  EXPECT_EQ(seed->reveal(), "12345678901234567890");
  EXPECT_EQ(totp(*seed, 59, TotpParams{.digits = 8}).reveal(), "94287082");
  EXPECT_FALSE(seed_from_base32("GEZDGNBV!"));
  EXPECT_FALSE(seed_from_base32(""));
  const auto refused = seed_from_base32("not base32 at all 1");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().find("not base32"), std::string::npos) << "the message never echoes the input";
}

TEST(Hotp, RefusesDigitsOutsideSixToEight) {
  EXPECT_THROW(hotp(kSha1Seed, 0, Algorithm::kSha1, 5), std::invalid_argument);
  EXPECT_THROW(hotp(kSha1Seed, 0, Algorithm::kSha1, 9), std::invalid_argument);
  EXPECT_EQ(hotp(kSha1Seed, 0, Algorithm::kSha1, 7).reveal().size(), 7u);
}

TEST(Totp, GivesTheRfc6238AppendixBTableForSha1Sha256AndSha512) {
  struct Row {
    std::int64_t time;
    const char* sha1;
    const char* sha256;
    const char* sha512;
  };
  const Row rows[] = {
      {59, "94287082", "46119246", "90693936"},
      {1111111109, "07081804", "68084774", "25091201"},
      {1111111111, "14050471", "67062674", "99943326"},
      {1234567890, "89005924", "91819424", "93441116"},
      {2000000000, "69279037", "90698825", "38618901"},
      {20000000000, "65353130", "77737706", "47863826"},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(totp(kSha1Seed, row.time, {Algorithm::kSha1, 8, 30}).reveal(), row.sha1) << row.time;
    EXPECT_EQ(totp(kSha256Seed, row.time, {Algorithm::kSha256, 8, 30}).reveal(), row.sha256) << row.time;
    EXPECT_EQ(totp(kSha512Seed, row.time, {Algorithm::kSha512, 8, 30}).reveal(), row.sha512) << row.time;
  }
}

TEST(Totp, TimeStepIsTheFloorOfTimeOverPeriod) {
  EXPECT_EQ(time_step(0, 30), 0);
  EXPECT_EQ(time_step(29, 30), 0);
  EXPECT_EQ(time_step(30, 30), 1);
  EXPECT_EQ(time_step(59, 30), 1);
  EXPECT_EQ(time_step(-1, 30), -1);
  EXPECT_THROW(time_step(10, 0), std::invalid_argument);
  EXPECT_THROW(totp(kSha1Seed, -1), std::invalid_argument);
}

TEST(Totp, VerifyReturnsTheMatchedStepWithinOneStepAndRefusesTwoAway) {
  const std::int64_t now = 1234567890;
  const std::int64_t step = time_step(now, 30);
  for (std::int64_t delta = -2; delta <= 2; ++delta) {
    const OneTimeCode code = hotp(kSha1Seed, static_cast<std::uint64_t>(step + delta), Algorithm::kSha1, 6);
    const auto matched = verify(kSha1Seed, code, now);
    if (delta == -2 || delta == 2) {
      EXPECT_FALSE(matched) << delta;
    } else {
      ASSERT_TRUE(matched) << delta;
      EXPECT_EQ(*matched, step + delta);
    }
  }
}

TEST(Totp, VerifyWithWindowZeroAcceptsOnlyTheCurrentStep) {
  const std::int64_t now = 1111111111;
  const std::int64_t step = time_step(now, 30);
  EXPECT_EQ(verify(kSha1Seed, totp(kSha1Seed, now), now, 0), step);
  EXPECT_FALSE(verify(kSha1Seed, totp(kSha1Seed, now - 30), now, 0));
  EXPECT_THROW(verify(kSha1Seed, totp(kSha1Seed, now), now, -1), std::invalid_argument);
}

TEST(Totp, VerifyNearTheEpochSkipsNegativeSteps) {
  EXPECT_EQ(verify(kSha1Seed, totp(kSha1Seed, 0), 5), 0);
}

TEST(Totp, VerifyRefusesWrongLengthAndNonDigitCodes) {
  const std::int64_t now = 1234567890;
  const std::string good = totp(kSha1Seed, now).reveal();
  ASSERT_TRUE(verify(kSha1Seed, OneTimeCode(good), now));
  for (const std::string& bad : {good.substr(0, 5), good + "0", std::string("0") + good, std::string(),
                                 good.substr(0, 5) + "a", " " + good.substr(1), good.substr(0, 3) + "-" +
                                 good.substr(4), std::string("\xD9\xA1") + good.substr(2)}) {
    EXPECT_FALSE(verify(kSha1Seed, OneTimeCode(bad), now)) << bad;
  }
  // Eight digits against a six-digit configuration: refused even though it ends with the code.
  const std::string eight = totp(kSha1Seed, now, {Algorithm::kSha1, 8, 30}).reveal();
  EXPECT_FALSE(verify(kSha1Seed, OneTimeCode(eight), now));
}

TEST(Totp, GeneratedSeedsAre160RandomBits) {
  const TotpSeed a = generate_seed();
  const TotpSeed b = generate_seed();
  EXPECT_EQ(a.size(), 20u);
  EXPECT_EQ(b.size(), 20u);
  EXPECT_NE(a.reveal(), b.reveal());
}

bool on_path(const char* program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  std::string dirs(path);
  for (std::size_t start = 0; start <= dirs.size();) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    if (std::filesystem::exists(std::filesystem::path(dirs.substr(start, end - start)) / program)) return true;
    start = end + 1;
  }
  return false;
}

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[128];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  pclose(pipe);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

TEST(Totp, AgreesWithOathtool) {
  if (!on_path("oathtool")) GTEST_SKIP() << "oathtool is not installed (scripts/bootstrap installs it)";
  const TotpSeed seed = generate_seed();
  const std::string base32 = base32_encode(seed.reveal());
  struct Case {
    const char* when;
    std::int64_t unix_seconds;
  };
  for (const Case& c : {Case{"2009-02-13 23:31:30 UTC", 1234567890}, Case{"2033-05-18 03:33:20 UTC", 2000000000},
                        Case{"1970-01-01 00:00:59 UTC", 59}}) {
    const std::string base = "oathtool --base32 --now '" + std::string(c.when) + "' ";
    EXPECT_EQ(run(base + "--totp " + base32), totp(seed, c.unix_seconds).reveal()) << c.when;
    EXPECT_EQ(run(base + "--totp=SHA256 --digits=8 " + base32),
              totp(seed, c.unix_seconds, {Algorithm::kSha256, 8, 30}).reveal())
        << c.when;
    EXPECT_EQ(run(base + "--totp=SHA512 --digits=7 " + base32),
              totp(seed, c.unix_seconds, {Algorithm::kSha512, 7, 30}).reveal())
        << c.when;
  }
}

}  // namespace
}  // namespace gatehouse::otp
