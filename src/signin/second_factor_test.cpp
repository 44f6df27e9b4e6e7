// The second step of a sign-in against a real (in-memory SQLite) store, real mfa::Factors and a
// fixed clock: which policy asks for a code, the code and recovery-code forms, enrolment when a
// factor is required, the refusal, step-up from a live session, and the amr each path records.

#include <set>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "signin/testing/pages.hpp"

#include "mfa/testing/factors_deps.hpp"
#include "jose/openssl/crypto.hpp"
#include "otp/totp.hpp"
#include "signin/sign_in.hpp"
#include "storage/sqlite/sqlite_backend.hpp"

namespace gatehouse::signin {
namespace {

/// A front door whose services each have the policy the test gives them.
class PolicyDoor final : public FrontDoor {
 public:
  std::string_view kind() const override { return kOidcKind; }
  std::string display_name(std::string_view service) const override { return "App " + std::string(service); }
  std::optional<MfaPolicy> mfa_policy(std::string_view service) const override {
    if (service == "off-app") return MfaPolicy::kOff;
    if (service == "strict-app") return MfaPolicy::kRequired;
    return std::nullopt;
  }
  http::Response resume(const SignInTransaction& tx, const session::SsoSession& s, const http::Request&) const override {
    resumed.push_back(s);
    http::Response r;
    r.status = 302;
    r.set("Location", "https://rp.example/cb?" + tx.continuation.payload);
    return r;
  }
  mutable std::vector<session::SsoSession> resumed;
};

using signin::testing::field;

class SecondFactorTest : public ::testing::Test {
 protected:
  SecondFactorTest()
      : backend_(storage::sqlite::SqliteOptions{":memory:", 2}),
        clock_(1'800'000'000),
        hasher_(user::Argon2Params{256, 1, 1}),
        factors_(mfa::testing::factors_deps(backend_, clock_)),
        deps_{backend_.users(), hasher_, backend_.login_transactions(), backend_.sso_sessions(), clock_},
        sign_in_(deps_) {
    backend_.migrate();
    deps_.csrf_key = CsrfKey(jose::random_bytes(32));
    deps_.lockout = {3, 900, 900};
    deps_.factors = &factors_;
    deps_.on_sign_in = [this](const SignInEvent& e) { events_.push_back(std::string(e.outcome)); };
    sign_in_.add_front_door(door_);
    for (const char* name : {"ada", "bob"}) {
      user::User u;
      u.id = std::string("id-") + name;
      u.username = name;
      u.password_hash = hasher_.hash(user::Password("pw"));
      EXPECT_EQ(backend_.users().insert(u), user::UserWriteResult::kOk);
    }
    // ada has an authenticator app; bob has no second factor.
    seed_ = *otp::seed_from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    factors_.import_totp("id-ada", seed_);
  }

  struct Form {
    std::string tx;
    std::string csrf;
  };

  /// Starts a sign-in for `service` (optionally a step-up of `session_cookie`'s user).
  std::pair<Form, http::Response> start(const std::string& service, const std::string& acr = {},
                                        const std::optional<session::SsoSession>& step_up = std::nullopt) {
    SignInTransaction tx;
    tx.continuation = {std::string(kOidcKind), "state=" + service};
    tx.service = service;
    tx.requested_acr = acr;
    if (step_up) {
      tx.user_id = step_up->user_id;
      tx.amr = step_up->amr;
    }
    http::Request get;
    get.method = "GET";
    auto r = sign_in_.start(tx, get);
    std::string csrf;
    for (const auto& h : r.headers)
      if (h.name == "Set-Cookie" && h.value.starts_with("gh_csrf=")) csrf = h.value.substr(8, h.value.find(';') - 8);
    return {{field(r.body, "tx"), csrf}, r};
  }

  http::Request request(const Form& f, const std::string& body, const std::string& cookies = {}) {
    http::Request req;
    req.method = "POST";
    req.headers.push_back({"content-type", "application/x-www-form-urlencoded"});
    req.headers.push_back({"cookie", "gh_csrf=" + f.csrf + (cookies.empty() ? "" : "; " + cookies)});
    req.body = "tx=" + f.tx + "&csrf=" + f.csrf + body;
    return req;
  }
  http::Response password(const Form& f, const std::string& user, const std::string& cookies = {}) {
    return sign_in_.login_endpoint(request(f, "&username=" + user + "&password=pw", cookies));
  }
  http::Response factor(const Form& f, const std::string& method, const std::string& code, const std::string& cookies = {}) {
    return sign_in_.factor_endpoint(request(f, "&method=" + method + "&code=" + code, cookies));
  }
  http::Response enrol(const Form& f, const std::string& code) { return sign_in_.enrol_endpoint(request(f, "&code=" + code)); }

  std::string code_now() const { return otp::totp(seed_, clock_.now()).reveal(); }
  /// A well-formed code that is wrong now (outside the ±1 window).
  std::string wrong_code() const {
    std::set<std::string> near;
    for (int d = -2; d <= 2; ++d) near.insert(otp::totp(seed_, clock_.now() + 30 * d).reveal());
    for (int n = 100000;; ++n)
      if (!near.contains(std::to_string(n))) return std::to_string(n);
  }

  static std::string session_cookie(const http::Response& r) {
    for (const auto& h : r.headers)
      if (h.name == "Set-Cookie" && h.value.starts_with("gh_session=")) return h.value.substr(0, h.value.find(';'));
    return {};
  }
  const session::SsoSession& last_session() const { return door_.resumed.back(); }

  storage::sqlite::SqliteBackend backend_;
  FixedClock clock_;
  user::PasswordHasher hasher_;
  mfa::Factors factors_;
  SignInDeps deps_;
  SignIn sign_in_;
  PolicyDoor door_;
  TotpSeed seed_;
  std::vector<std::string> events_;
};

TEST_F(SecondFactorTest, UnderTheOptionalDefaultAUserWithAnAppIsAskedForACodeAfterThePassword) {
  auto [form, page] = start("web");
  auto r = password(form, "ada");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("action=\"/oauth2/login/factor\""), std::string::npos);
  EXPECT_EQ(r.body.find("name=\"password\""), std::string::npos) << "the password is not asked again";
  EXPECT_NE(r.body.find("App web"), std::string::npos);
  EXPECT_TRUE(door_.resumed.empty()) << "nothing is issued after the password alone";
  // The recorded step: the same form cannot post the password a second time to skip the code.
  EXPECT_EQ(backend_.login_transactions().find(form.tx, clock_.now())->amr, "pwd");
  r = factor(form, "totp", code_now());
  ASSERT_EQ(r.status, 302);
  EXPECT_EQ(last_session().amr, "pwd otp mfa");
  EXPECT_EQ(acr_for(last_session().amr), kAcrMultiFactor);
  EXPECT_FALSE(session_cookie(r).empty());
}

TEST_F(SecondFactorTest, AUserWithoutAFactorIsNotAskedUnlessAFactorIsRequired) {
  auto [form, page] = start("web");
  auto r = password(form, "bob");
  ASSERT_EQ(r.status, 302);
  EXPECT_EQ(last_session().amr, "pwd");
  EXPECT_EQ(acr_for(last_session().amr), kAcrSingleFactor);
}

TEST_F(SecondFactorTest, PolicyOffSkipsTheCodeUnlessTheRequestAsksForTheMultiFactorAcr) {
  auto [form, page] = start("off-app");
  ASSERT_EQ(password(form, "ada").status, 302);
  EXPECT_EQ(last_session().amr, "pwd");
  auto [asked, page2] = start("off-app", std::string(kAcrMultiFactor));
  auto r = password(asked, "ada");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("action=\"/oauth2/login/factor\""), std::string::npos);
  // Without the deps' factors, passwords only, whatever the policy.
  deps_.factors = nullptr;
  auto [plain, page3] = start("strict-app");
  ASSERT_EQ(password(plain, "bob").status, 302);
}

TEST_F(SecondFactorTest, AWrongCodeKeepsTheStepOpenAndAUsedCodeIsRefusedOnTheNextSignIn) {
  auto [form, page] = start("web");
  ASSERT_EQ(password(form, "ada").status, 200);
  auto r = factor(form, "totp", wrong_code());
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("not correct"), std::string::npos);
  EXPECT_TRUE(door_.resumed.empty());
  const auto code = code_now();
  ASSERT_EQ(factor(form, "totp", code).status, 302);
  auto [second, page2] = start("web");
  ASSERT_EQ(password(second, "ada").status, 200);
  r = factor(second, "totp", code);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("used already"), std::string::npos);
  EXPECT_EQ(door_.resumed.size(), 1u);
  EXPECT_EQ(factor(form, "totp", code).status, 400) << "the finished transaction is gone";
}

TEST_F(SecondFactorTest, WrongCodesLockTheSecondFactorEvenForARightCodeButNotThePassword) {
  auto [form, page] = start("web");
  ASSERT_EQ(password(form, "ada").status, 200);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(factor(form, "totp", wrong_code()).status, 400);
  EXPECT_EQ(factor(form, "totp", wrong_code()).status, 429) << "the third of threshold 3 locks";
  auto r = factor(form, "totp", code_now());
  EXPECT_EQ(r.status, 429);
  EXPECT_NE(r.body.find("locked"), std::string::npos);
  EXPECT_EQ(events_, (std::vector<std::string>{"failure", "failure", "locked", "locked"}));
  // The password still works (its own counter): the sign-in stops at the locked factor.
  auto [again, page2] = start("web");
  EXPECT_EQ(password(again, "ada").status, 200);
  clock_.advance(901);
  auto [later, page3] = start("web");
  ASSERT_EQ(password(later, "ada").status, 200);
  EXPECT_EQ(factor(later, "totp", code_now()).status, 302) << "the lock ends";
}

TEST_F(SecondFactorTest, ARecoveryCodeTakesThePlaceOfTheCodeOnce) {
  const auto codes = factors_.new_recovery_codes("id-ada");
  ASSERT_EQ(codes.size(), 10u);
  auto [form, page] = start("web");
  auto r = password(form, "ada");
  EXPECT_NE(r.body.find("value=\"recovery\""), std::string::npos) << "the page offers recovery codes";
  ASSERT_EQ(factor(form, "recovery", codes[0].reveal()).status, 302);
  EXPECT_EQ(last_session().amr, "pwd otp mfa");
  EXPECT_EQ(factors_.summary("id-ada").recovery_codes_left, 9);
  auto [second, page2] = start("web");
  ASSERT_EQ(password(second, "ada").status, 200);
  EXPECT_EQ(factor(second, "recovery", codes[0].reveal()).status, 400) << "each code works once";
}

TEST_F(SecondFactorTest, ARequiredFactorIsSetUpAfterThePasswordAndConfirmedOnlyByARightCode) {
  auto [form, page] = start("strict-app");
  auto r = password(form, "bob");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("action=\"/oauth2/login/enrol\""), std::string::npos);
  EXPECT_NE(r.body.find("<svg"), std::string::npos) << "the QR code";
  const auto at = r.body.find("id=\"totp-secret\">");
  ASSERT_NE(at, std::string::npos);
  std::string typed = r.body.substr(at + 17, r.body.find('<', at + 17) - at - 17);
  std::erase(typed, ' ');
  auto seed = otp::seed_from_base32(typed);
  ASSERT_TRUE(seed);
  r = enrol(form, "000000" == otp::totp(*seed, clock_.now()).reveal() ? "111111" : "000000");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find(typed.substr(0, 4)), std::string::npos) << "the same seed is shown again";
  EXPECT_FALSE(factors_.summary("id-bob").totp) << "a wrong code confirms nothing";
  r = enrol(form, otp::totp(*seed, clock_.now()).reveal());
  ASSERT_EQ(r.status, 302);
  EXPECT_EQ(last_session().amr, "pwd otp mfa");
  EXPECT_TRUE(factors_.summary("id-bob").totp);
}

TEST_F(SecondFactorTest, ARequiredFactorWithoutEnrolmentRefusesTheSignIn) {
  deps_.mfa_enrol_when_required = false;
  auto [form, page] = start("strict-app");
  auto r = password(form, "bob");
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("requires a second factor"), std::string::npos);
  EXPECT_FALSE(backend_.login_transactions().find(form.tx, clock_.now())) << "the transaction ends";
  EXPECT_TRUE(door_.resumed.empty());
  EXPECT_FALSE(factors_.summary("id-bob").totp_pending);
}

TEST_F(SecondFactorTest, TheFactorFormsNeedAFirstFactorOfTheSameTransaction) {
  auto [form, page] = start("web");
  EXPECT_EQ(factor(form, "totp", code_now()).status, 400) << "no password yet";
  EXPECT_EQ(enrol(form, code_now()).status, 400);
  ASSERT_EQ(password(form, "ada").status, 200);
  Form forged = form;
  forged.csrf = issue_csrf_token(deps_.csrf_key, kLoginCsrf);
  EXPECT_EQ(factor(forged, "totp", code_now()).status, 400) << "another browser's CSRF token";
  EXPECT_TRUE(door_.resumed.empty());
  // The password form posted again after its step cannot change whose sign-in it is.
  auto r = password(form, "bob");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("next step"), std::string::npos);
  EXPECT_EQ(factor(form, "totp", code_now()).status, 302);
  EXPECT_EQ(last_session().user_id, "id-ada");
}

TEST_F(SecondFactorTest, AStepUpAsksOnlyForTheCodeAndKeepsTheSession) {
  auto [form, page] = start("off-app");
  auto r = password(form, "ada");
  ASSERT_EQ(r.status, 302);
  const auto first = last_session();
  const auto cookie = session_cookie(r);
  EXPECT_FALSE(sign_in_.satisfies(first, std::string(kOidcKind), "off-app", kAcrMultiFactor));
  EXPECT_TRUE(sign_in_.satisfies(first, std::string(kOidcKind), "off-app", ""));
  EXPECT_FALSE(sign_in_.satisfies(first, std::string(kOidcKind), "strict-app", ""));
  clock_.advance(60);
  auto [step, shown] = start("web", std::string(kAcrMultiFactor), first);
  EXPECT_EQ(shown.status, 200);
  EXPECT_NE(shown.body.find("action=\"/oauth2/login/factor\""), std::string::npos) << "straight to the code";
  EXPECT_EQ(shown.body.find("name=\"password\""), std::string::npos);
  r = factor(step, "totp", code_now(), cookie);
  ASSERT_EQ(r.status, 302);
  const auto& stepped = last_session();
  EXPECT_EQ(stepped.amr, "pwd otp mfa");
  EXPECT_EQ(stepped.sid, first.sid) << "the same SSO session goes on";
  EXPECT_EQ(stepped.participants.size(), 2u) << "with the services signed in to before";
  EXPECT_NE(session_cookie(r), cookie) << "behind a new cookie value";
  EXPECT_TRUE(sign_in_.satisfies(stepped, std::string(kOidcKind), "strict-app", ""));
}

TEST_F(SecondFactorTest, AStepUpThatWouldSetUpANewFactorAsksForThePasswordFirst) {
  auto [form, page] = start("web");
  ASSERT_EQ(password(form, "bob").status, 302);
  const auto first = last_session();
  auto [step, shown] = start("strict-app", {}, first);
  EXPECT_NE(shown.body.find("name=\"password\""), std::string::npos) << "a session alone adds no factor";
  EXPECT_EQ(shown.body.find("totp-secret"), std::string::npos);
  EXPECT_FALSE(factors_.summary("id-bob").totp_pending);
  EXPECT_EQ(enrol(step, "123456").status, 400) << "nor may the enrolment form be posted before it";
  auto r = password(step, "bob");
  EXPECT_NE(r.body.find("action=\"/oauth2/login/enrol\""), std::string::npos);
}

TEST_F(SecondFactorTest, RecoveryCodesLeftAreAFactorToAskNotToReplace) {
  const auto codes = factors_.new_recovery_codes("id-bob");
  auto [form, page] = start("strict-app");
  auto r = password(form, "bob");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("value=\"recovery\""), std::string::npos) << "the recovery code is asked";
  EXPECT_EQ(r.body.find("action=\"/oauth2/login/enrol\""), std::string::npos) << "no new app in its place";
  EXPECT_EQ(enrol(form, "123456").status, 400);
  EXPECT_EQ(factor(form, "recovery", codes[3].reveal()).status, 302);
  EXPECT_EQ(last_session().amr, "pwd otp mfa");
}

TEST_F(SecondFactorTest, TheFactorPageIsPartOfTheThemeAndMustKeepItsContent) {
  EXPECT_FALSE(parse_theme(boost::json::object{{"factor_html", "<main>{{title}}</main>"}}));
  auto custom = parse_theme(boost::json::object{{"factor_html", "<main class=\"acme\"><h1>{{title}}</h1>{{error_block}}{{content}}</main>"}});
  ASSERT_TRUE(custom);
  EXPECT_EQ(theme_json(*custom).at("factor_html").as_string(), custom->factor_html);
  ThemeProvider themes(backend_.settings());
  themes.save(*custom, clock_.now());
  deps_.theme = &themes;
  auto [form, page] = start("web");
  auto r = password(form, "ada");
  EXPECT_NE(r.body.find("<main class=\"acme\"><h1>Second factor</h1>"), std::string::npos) << r.body;
  r = factor(form, "totp", wrong_code());
  EXPECT_NE(r.body.find("<main class=\"acme\"><h1>Second factor</h1><p class=\"error\""), std::string::npos);
  EXPECT_EQ(factor(form, "totp", code_now()).status, 302) << "the themed form posts the same fields";
}

}  // namespace
}  // namespace gatehouse::signin
