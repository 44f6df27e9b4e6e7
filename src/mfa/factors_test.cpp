// mfa::Factors against a real (in-memory SQLite) store and a fixed clock: TOTP enrolment confirmed
// only by a right code, each time step accepted once, the failed-code lockout apart from the
// password's, seed import, recovery codes, and reset.

#include "mfa/testing/factors_deps.hpp"
#include "mfa/factors.hpp"

#include <set>

#include <gtest/gtest.h>

#include "jose/openssl/crypto.hpp"
#include "otp/totp.hpp"
#include "storage/sqlite/sqlite_backend.hpp"

namespace gatehouse::mfa {
namespace {

class FactorsTest : public ::testing::Test {
 protected:
  FactorsTest()
      : backend_(storage::sqlite::SqliteOptions{":memory:", 2}),
        clock_(1'800'000'000),
        factors_(mfa::testing::factors_deps(backend_, clock_)) {
    backend_.migrate();
    for (const char* name : {"ada", "bob"}) {
      user::User u;
      u.id = std::string("id-") + name;
      u.username = name;
      EXPECT_EQ(backend_.users().insert(u), user::UserWriteResult::kOk);
      users_.push_back(u);
    }
  }

  const user::User& ada() const { return users_[0]; }

  /// Begins an enrolment and returns the seed the page showed (from its base32 text).
  TotpSeed enrol(const user::User& u) {
    auto e = factors_.begin_totp(u);
    EXPECT_TRUE(e) << (e ? "" : e.error());
    EXPECT_NE(e->qr_svg.find("<svg"), std::string::npos);
    EXPECT_NE(e->uri.reveal().find("issuer=Example"), std::string::npos);
    return *otp::seed_from_base32(e->secret.reveal());
  }

  OneTimeCode code(const TotpSeed& seed, UnixSeconds at) { return otp::totp(seed, at); }
  /// A 6-digit code that is not the seed's now (nor in the window around now).
  OneTimeCode wrong(const TotpSeed& seed) {
    std::set<std::string> near;
    for (int d = -2; d <= 2; ++d) near.insert(code(seed, clock_.now() + 30 * d).reveal());
    for (int n = 0;; ++n) {
      auto c = std::to_string(100000 + n);
      if (!near.count(c)) return OneTimeCode(c);
    }
  }

  storage::sqlite::SqliteBackend backend_;
  FixedClock clock_;
  Factors factors_;
  std::vector<user::User> users_;
};

TEST_F(FactorsTest, AnEnrolmentIsConfirmedOnlyByARightCode) {
  EXPECT_EQ(factors_.confirm_totp(ada().id, OneTimeCode("123456")), CodeCheck::kNoFactor) << "nothing pending";
  const auto seed = enrol(ada());
  EXPECT_TRUE(factors_.summary(ada().id).totp_pending);
  EXPECT_EQ(factors_.confirm_totp(ada().id, wrong(seed)), CodeCheck::kWrong);
  auto s = factors_.summary(ada().id);
  EXPECT_FALSE(s.totp) << "a wrong code confirms nothing";
  EXPECT_TRUE(s.totp_pending);
  EXPECT_EQ(factors_.verify_totp(ada().id, code(seed, clock_.now())), CodeCheck::kNoFactor) << "pending signs nobody in";
  ASSERT_TRUE(factors_.pending_totp(ada()));
  EXPECT_EQ(factors_.pending_totp(ada())->secret.reveal(), factors_.pending_totp(ada())->secret.reveal());
  EXPECT_EQ(factors_.confirm_totp(ada().id, code(seed, clock_.now())), CodeCheck::kAccepted);
  s = factors_.summary(ada().id);
  EXPECT_TRUE(s.totp);
  EXPECT_FALSE(s.totp_pending);
  EXPECT_EQ(s.totp_since, clock_.now());
  EXPECT_TRUE(s.any());
  EXPECT_FALSE(factors_.pending_totp(ada()));
  EXPECT_FALSE(factors_.begin_totp(ada())) << "a confirmed app is removed before another is set up";
  // The confirming code is used up.
  EXPECT_EQ(factors_.verify_totp(ada().id, code(seed, clock_.now())), CodeCheck::kReused);
}

TEST_F(FactorsTest, EachTimeStepIsAcceptedOnce) {
  const auto seed = enrol(ada());
  ASSERT_EQ(factors_.confirm_totp(ada().id, code(seed, clock_.now())), CodeCheck::kAccepted);
  clock_.advance(30);
  const auto now_code = code(seed, clock_.now());
  EXPECT_EQ(factors_.verify_totp(ada().id, now_code), CodeCheck::kAccepted);
  EXPECT_EQ(factors_.verify_totp(ada().id, now_code), CodeCheck::kReused) << "the same code twice";
  // The previous step's code is inside the window but behind the last step used.
  EXPECT_EQ(factors_.verify_totp(ada().id, code(seed, clock_.now() - 30)), CodeCheck::kReused);
  clock_.advance(30);
  EXPECT_EQ(factors_.verify_totp(ada().id, code(seed, clock_.now())), CodeCheck::kAccepted);
}

TEST_F(FactorsTest, WrongCodesLockTheSecondFactorNotThePassword) {
  const auto seed = enrol(ada());
  ASSERT_EQ(factors_.confirm_totp(ada().id, code(seed, clock_.now())), CodeCheck::kAccepted);
  clock_.advance(30);
  EXPECT_EQ(factors_.verify_totp(ada().id, wrong(seed)), CodeCheck::kWrong);
  EXPECT_EQ(factors_.verify_totp(ada().id, wrong(seed)), CodeCheck::kWrong);
  EXPECT_EQ(factors_.verify_totp(ada().id, wrong(seed)), CodeCheck::kLocked) << "the third of threshold 3 locks";
  EXPECT_TRUE(factors_.locked(ada().id));
  EXPECT_EQ(factors_.verify_totp(ada().id, code(seed, clock_.now())), CodeCheck::kLocked) << "even a right code";
  EXPECT_EQ(factors_.use_recovery_code(ada().id, RecoveryCode("aaaa-aaaa-aaaa")), CodeCheck::kLocked);
  // The password's counter (per login name) is untouched, and the other user is not locked.
  EXPECT_EQ(backend_.users().failed_logins(user::login_name("ada")).count, 0);
  EXPECT_EQ(backend_.users().failed_logins(user::login_name("ada")).locked_until, 0);
  EXPECT_FALSE(factors_.locked(users_[1].id));
  // And failed passwords do not lock the codes.
  for (int i = 0; i < 5; ++i) backend_.users().record_failed_login(user::login_name("bob"), clock_.now(), 900, 3, 900);
  EXPECT_FALSE(factors_.locked(users_[1].id));
  clock_.advance(901);
  EXPECT_FALSE(factors_.locked(ada().id));
  EXPECT_EQ(factors_.verify_totp(ada().id, code(seed, clock_.now())), CodeCheck::kAccepted);
}

TEST_F(FactorsTest, AnImportedSeedIsConfirmedAtOnceAndVerifies) {
  // RFC 6238's SHA-1 seed, as another system exports it.
  auto seed = otp::seed_from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  ASSERT_TRUE(seed);
  factors_.import_totp(ada().id, *seed);
  const auto s = factors_.summary(ada().id);
  EXPECT_TRUE(s.totp);
  EXPECT_FALSE(s.totp_pending);
  EXPECT_EQ(backend_.totp().find(ada().id)->sealed_seed.find("12345678901234567890"), std::string::npos) << "sealed at rest";
  EXPECT_EQ(factors_.verify_totp(ada().id, otp::totp(*seed, clock_.now())), CodeCheck::kAccepted);
  // A sealed seed copied to another user's row does not open there.
  auto row = *backend_.totp().find(ada().id);
  row.user_id = users_[1].id;
  backend_.totp().replace(row);
  EXPECT_EQ(factors_.verify_totp(users_[1].id, otp::totp(*seed, clock_.now() + 30)), CodeCheck::kNoFactor);
}

TEST_F(FactorsTest, RecoveryCodesAreTenEachUsableOnceAndOnlyByTheirUser) {
  const auto codes = factors_.new_recovery_codes(ada().id);
  ASSERT_EQ(codes.size(), kRecoveryCodeCount);
  EXPECT_EQ(factors_.summary(ada().id).recovery_codes_left, 10u);
  std::set<std::string> distinct;
  for (const auto& c : codes) {
    EXPECT_EQ(c.reveal().size(), 14u) << "xxxx-xxxx-xxxx";
    distinct.insert(c.reveal());
  }
  EXPECT_EQ(distinct.size(), 10u);
  // Another user cannot use ada's code (the hash binds the user id); it counts as a wrong code.
  EXPECT_EQ(factors_.use_recovery_code(users_[1].id, codes[0]), CodeCheck::kWrong);
  // Typed without dashes, in upper case, with spaces.
  std::string typed;
  for (char ch : codes[0].reveal())
    if (ch != '-') typed.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
  typed.insert(6, " ");
  EXPECT_EQ(factors_.use_recovery_code(ada().id, RecoveryCode(typed)), CodeCheck::kAccepted);
  EXPECT_EQ(factors_.use_recovery_code(ada().id, codes[0]), CodeCheck::kWrong) << "once";
  EXPECT_EQ(factors_.summary(ada().id).recovery_codes_left, 9u);
  EXPECT_EQ(factors_.use_recovery_code(ada().id, codes[1]), CodeCheck::kAccepted) << "a success clears the wrong count";
  // New codes replace the old ones.
  const auto fresh = factors_.new_recovery_codes(ada().id);
  EXPECT_EQ(factors_.use_recovery_code(ada().id, codes[2]), CodeCheck::kWrong);
  EXPECT_EQ(factors_.use_recovery_code(ada().id, fresh[2]), CodeCheck::kAccepted);
}

TEST_F(FactorsTest, ResetRemovesEveryFactor) {
  const auto seed = enrol(ada());
  ASSERT_EQ(factors_.confirm_totp(ada().id, code(seed, clock_.now())), CodeCheck::kAccepted);
  factors_.new_recovery_codes(ada().id);
  Passkey p;
  p.credential_id = "cred-1";
  p.user_id = ada().id;
  p.name = "YubiKey";
  p.public_key = "k";
  p.algorithm = -7;
  p.created_at = clock_.now();
  ASSERT_TRUE(backend_.passkeys().insert(p));
  EXPECT_FALSE(factors_.rename_passkey(users_[1].id, "cred-1", "mine")) << "only the owner's";
  EXPECT_TRUE(factors_.rename_passkey(ada().id, "cred-1", "Work key"));
  EXPECT_EQ(factors_.summary(ada().id).passkeys.at(0).name, "Work key");
  EXPECT_EQ(factors_.verify_totp(ada().id, wrong(seed)), CodeCheck::kWrong);
  EXPECT_EQ(factors_.reset(ada().id), 1u + 10u + 1u);
  const auto s = factors_.summary(ada().id);
  EXPECT_FALSE(s.totp);
  EXPECT_FALSE(s.totp_pending);
  EXPECT_EQ(s.recovery_codes_left, 0u);
  EXPECT_TRUE(s.passkeys.empty());
  EXPECT_FALSE(s.any());
  EXPECT_EQ(backend_.users().failed_logins(code_failure_key(ada().id)).count, 0) << "the wrong-code count goes too";
  EXPECT_EQ(factors_.reset(ada().id), 0u);
  EXPECT_FALSE(factors_.remove_passkey(ada().id, "cred-1"));
}

}  // namespace
}  // namespace gatehouse::mfa
