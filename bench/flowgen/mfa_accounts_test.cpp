// gatehouse-flowgen's TOTP code schedule and WebAuthn JSON, checked against the node's own rules:
// otp::verify with the node's window (±1) plus the one-use rule (a step above the last one used),
// and webauthn::verify_registration / verify_assertion on what the JSON carries.
#include "mfa_accounts.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "core/base64url.hpp"
#include "otp/base32.hpp"
#include "otp/totp.hpp"
#include "webauthn/ceremony.hpp"

namespace gatehouse::bench {
namespace {

namespace json = boost::json;

constexpr std::int64_t kStepStart = 1'800'000'010LL * 30;  // the first second of some step T

std::vector<BenchAccount> accounts(int n) {
  std::vector<BenchAccount> out;
  for (int i = 0; i < n; ++i)
    out.push_back({"u" + std::to_string(i), TotpSeed(std::string(20, static_cast<char>('a' + i)))});
  return out;
}

TEST(NextTotpStep, FreshAccountsStartOneStepBackUnlessTheStepEndsWithinTheMargin) {
  const std::int64_t t = kStepStart / kTotpPeriod;
  EXPECT_EQ(next_totp_step(std::nullopt, kStepStart), t - 1);
  EXPECT_EQ(next_totp_step(std::nullopt, kStepStart + kTotpPeriod - kTotpMarginSeconds - 1), t - 1);
  // In the last kTotpMarginSeconds of step t, step t-1 might expire before the code arrives.
  EXPECT_EQ(next_totp_step(std::nullopt, kStepStart + kTotpPeriod - kTotpMarginSeconds), t);
  EXPECT_EQ(next_totp_step(std::nullopt, kStepStart + kTotpPeriod - 1), t);
}

TEST(NextTotpStep, StepsIncreaseUpToOneAheadThenWaitForTheClock) {
  const std::int64_t t = kStepStart / kTotpPeriod;
  EXPECT_EQ(next_totp_step(t - 1, kStepStart), t);
  EXPECT_EQ(next_totp_step(t, kStepStart), t + 1);
  EXPECT_EQ(next_totp_step(t + 1, kStepStart), std::nullopt) << "t+2 would be refused until step t+1";
  EXPECT_EQ(next_totp_step(t + 1, kStepStart + kTotpPeriod), t + 2);
  EXPECT_EQ(next_totp_step(t - 5, kStepStart + 10), t - 1) << "never below the window";
}

/// The node's rule: otp::verify with window 1 at the node's clock, and a step above the last used.
struct NodeModel {
  std::map<std::string, std::int64_t> last_step;
  bool accept(const std::string& user, const TotpSeed& seed, const OneTimeCode& code, std::int64_t now) {
    auto step = otp::verify(seed, code, now, 1);
    if (!step) return false;
    auto it = last_step.find(user);
    if (it != last_step.end() && *step <= it->second) return false;
    last_step[user] = *step;
    return true;
  }
};

TEST(TotpPool, EveryCodeItGivesIsAcceptedOnceEvenWhenItArrivesUpToTheMarginLater) {
  // Five accounts, flows all the time for 5 minutes starting at every second of a step: each code
  // is checked with the node's rule at the moment flowgen computes it plus the margin minus one second.
  for (std::int64_t offset = 0; offset < kTotpPeriod; ++offset) {
    TotpPool pool(accounts(5));
    NodeModel node;
    std::int64_t used = 0;
    for (std::int64_t now = kStepStart + offset; now < kStepStart + offset + 300; ++now) {
      while (auto a = pool.acquire(now)) {
        const auto code = pool.next_code(*a, now);
        const auto seed = TotpSeed(std::string(20, static_cast<char>('a' + *a)));
        ASSERT_TRUE(node.accept(pool.username(*a), seed, code, now + kTotpMarginSeconds - 1))
            << "offset " << offset << ", at " << now - kStepStart << " s, account " << *a;
        pool.release(*a);
        ++used;
      }
    }
    // 300 s span 10 steps: at least 2 codes per account at once, then one more per step.
    EXPECT_GE(used, 5 * (2 + 9)) << "offset " << offset;
    EXPECT_LE(used, 5 * (3 + 10)) << "offset " << offset;
  }
}

TEST(TotpPool, LendsAnAccountToOneFlowAtATimeAndRunsDryWhenEveryCodeIsUsed) {
  TotpPool pool(accounts(2));
  auto a = pool.acquire(kStepStart);
  auto b = pool.acquire(kStepStart);
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_FALSE(pool.acquire(kStepStart)) << "both accounts are in flight";
  {
    const TotpLease lease(pool, *a);  // a flow that ended (even by an exception) gives it back
  }
  EXPECT_EQ(pool.acquire(kStepStart), a);
  pool.release(*a);
  pool.release(*b);
  // Each fresh account has three codes in the middle of a step (t-1, t, t+1), then none until t+1.
  for (int i = 0; i < 6; ++i) {
    auto x = pool.acquire(kStepStart);
    ASSERT_TRUE(x) << i;
    pool.next_code(*x, kStepStart);
    pool.release(*x);
  }
  EXPECT_FALSE(pool.acquire(kStepStart + kTotpPeriod - 1));
  EXPECT_TRUE(pool.acquire(kStepStart + kTotpPeriod));
}

TEST(ReadAccounts, ReadsNamesAndBase32SeedsAndNamesTheBadLine) {
  const auto path = std::filesystem::temp_directory_path() / ("flowgen-accounts-" + std::to_string(::getpid()));
  auto write = [&](const std::string& text) { std::ofstream(path) << text; };
  write("# bench accounts\nalice GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n\nbob  gezdgnbvgy3tqojqgezdgnbvgy3tqojq\n");
  auto got = read_accounts(path.string(), true);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].username, "bob");
  ASSERT_TRUE(got[0].totp_seed);
  EXPECT_EQ(got[0].totp_seed->reveal(), "12345678901234567890");
  write("carol\n");
  EXPECT_EQ(read_accounts(path.string(), false).at(0).username, "carol");
  try {
    read_accounts(path.string(), true);
    ADD_FAILURE() << "a totp account without a seed was read";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(":1: no TOTP seed"), std::string::npos) << e.what();
  }
  write("dave GEZDGNBV!\n");
  EXPECT_THROW(read_accounts(path.string(), true), std::runtime_error);
  write("# nothing\n");
  EXPECT_THROW(read_accounts(path.string(), false), std::runtime_error);
  std::filesystem::remove(path);
}

std::string field(const json::object& o, std::string_view name) {
  const auto& r = o.at("response").as_object();
  auto bytes = base64url_decode(r.at(name).as_string());
  if (!bytes) throw std::runtime_error(std::string(name) + " is not base64url");
  return *bytes;
}

TEST(WebAuthnJson, CarriesWhatTheCeremoniesVerify) {
  using webauthn::testing::SoftCredential;
  const webauthn::RelyingParty rp{"127.0.0.1", {"http://127.0.0.1:8080"}};
  const auto cred = SoftCredential::generate(webauthn::CoseAlgorithm::kES256);
  const std::string challenge = "Y2hhbGxlbmdlLWNoYWxsZW5nZS0xMjM0NTY3ODkw";
  const auto reg = json::parse(registration_json(cred, cred.register_credential({rp.origins[0], rp.id, challenge}, {}, 1)))
                       .as_object();
  EXPECT_EQ(reg.at("type").as_string(), "public-key");
  EXPECT_EQ(reg.at("id").as_string(), base64url_encode(cred.credential_id()));
  EXPECT_EQ(reg.at("rawId"), reg.at("id"));
  const auto cdj = field(reg, "clientDataJSON");
  const auto att = field(reg, "attestationObject");
  auto created = webauthn::verify_registration(rp, {cdj, att, challenge, true});
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->credential_id, cred.credential_id());

  const auto as = json::parse(assertion_json(cred, cred.assert_credential({rp.origins[0], rp.id, challenge}, {}, 2), "dXNlcg"))
                      .as_object();
  EXPECT_EQ(as.at("response").as_object().at("userHandle").as_string(), "dXNlcg");
  const auto a_cdj = field(as, "clientDataJSON");
  const auto a_data = field(as, "authenticatorData");
  const auto a_sig = field(as, "signature");
  auto verified = webauthn::verify_assertion(rp, {a_cdj, a_data, a_sig, challenge, created->cose_public_key, true});
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->sign_count, 2u);
  EXPECT_TRUE(verified->user_verified);
}

}  // namespace
}  // namespace gatehouse::bench
