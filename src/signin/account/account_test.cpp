// The account page against a real (in-memory SQLite) store and a fixed clock: it is a front door
// (no session: a sign-in that comes back to /account), its password change (the current password
// through the password step and its lockout, CSRF, other sessions and grants ended, this browser
// kept), "sign out everywhere", and its template in the theme.

#include "mfa/testing/factors_deps.hpp"
#include "signin/account/account.hpp"

#include <map>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "signin/testing/pages.hpp"

#include "jose/openssl/crypto.hpp"
#include "core/base64url.hpp"
#include "otp/totp.hpp"
#include "signin/web_assets.hpp"
#include "storage/sqlite/sqlite_backend.hpp"
#include "webauthn/testing/soft_authenticator.hpp"

namespace gatehouse::signin::account {
namespace {

constexpr user::Argon2Params kCheap{256, 1, 1};

/// A browser: its cookies by name, kept from Set-Cookie headers.
struct Browser {
  std::map<std::string, std::string> cookies;
  void keep(const http::Response& r) {
    for (const auto& h : r.headers) {
      if (h.name != "Set-Cookie") continue;
      const auto pair = h.value.substr(0, h.value.find(';'));
      const auto eq = pair.find('=');
      if (eq + 1 == pair.size()) cookies.erase(pair.substr(0, eq));
      else cookies[pair.substr(0, eq)] = pair.substr(eq + 1);
    }
  }
  std::string header() const {
    std::string out;
    for (const auto& [k, v] : cookies) out += (out.empty() ? "" : "; ") + k + "=" + v;
    return out;
  }
};

using signin::testing::field;

std::size_t count(const std::string& body, const std::string& what) {
  std::size_t n = 0;
  for (auto at = body.find(what); at != std::string::npos; at = body.find(what, at + 1)) ++n;
  return n;
}

class AccountTest : public ::testing::Test {
 protected:
  AccountTest()
      : backend_(storage::sqlite::SqliteOptions{":memory:", 2}),
        clock_(1'800'000'000),
        hasher_(kCheap),
        deps_{backend_.users(), hasher_, backend_.login_transactions(), backend_.sso_sessions(), clock_},
        sign_in_(deps_),
        account_deps_{sign_in_, &backend_.refresh_tokens(), 8},
        account_(account_deps_) {
    backend_.migrate();
    deps_.lockout = {3, 900, 900};
    deps_.csrf_key = CsrfKey(std::string(32, 'k'));
    deps_.on_sign_in = [this](const SignInEvent& e) { events_.push_back(std::string(e.outcome) + ":" + e.service); };
    account_deps_.on_event = [this](const AccountEvent& e) { events_.push_back(std::string(e.action) + ":" + e.user_id); };
    sign_in_.add_front_door(door_);
    user::User u;
    u.id = "u1";
    u.username = "ada";
    u.name = "Ada Lovelace";
    u.email = "ada@example.com";
    u.password_hash = hasher_.hash(user::Password("correct horse"));
    EXPECT_EQ(backend_.users().insert(u), user::UserWriteResult::kOk);
  }

  http::Request request(const std::string& method, const Browser& b, const std::string& body = {}) {
    http::Request r;
    r.method = method;
    if (method == "POST") r.headers.push_back({"content-type", "application/x-www-form-urlencoded"});
    if (!b.cookies.empty()) r.headers.push_back({"cookie", b.header()});
    r.body = body;
    return r;
  }

  http::Response get(Browser& b) {
    auto r = account_.page(request("GET", b));
    b.keep(r);
    return r;
  }

  /// GET /account, the login form it shows, and back to /account signed in.
  Browser signed_in() {
    Browser b;
    auto login = get(b);
    EXPECT_EQ(login.status, 200);
    EXPECT_NE(login.body.find("your account"), std::string::npos) << "the login page names the account page";
    auto r = sign_in_.login_endpoint(request(
        "POST", b, "tx=" + field(login.body, "tx") + "&csrf=" + field(login.body, "csrf") + "&username=ada&password=correct+horse"));
    b.keep(r);
    EXPECT_EQ(r.status, 303);
    EXPECT_EQ(*r.header("Location"), "/account") << "back to the account page, nowhere else";
    return b;
  }

  http::Response change_password(Browser& b, const std::string& current, const std::string& fresh, const std::string& repeat) {
    const auto csrf = field(get(b).body, "csrf");
    auto r = account_.change_password(request(
        "POST", b, "csrf=" + csrf + "&current_password=" + current + "&new_password=" + fresh + "&new_password_repeat=" + repeat));
    b.keep(r);
    return r;
  }

  std::optional<session::SsoSession> session_of(const Browser& b) { return sign_in_.current_session(request("GET", b)); }

  storage::sqlite::SqliteBackend backend_;
  FixedClock clock_;
  user::PasswordHasher hasher_;
  SignInDeps deps_;
  SignIn sign_in_;
  AccountDeps account_deps_;
  AccountPages account_;
  AccountFrontDoor door_;
  std::vector<std::string> events_;
};

TEST_F(AccountTest, WithoutASessionItSignsInAndComesBackToThePage) {
  auto b = signed_in();
  auto page = get(b);
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(*page.header("Cache-Control"), "no-store");
  EXPECT_EQ(*page.header("X-Frame-Options"), "DENY");
  EXPECT_NE(page.body.find("Ada Lovelace"), std::string::npos);
  EXPECT_NE(page.body.find("ada@example.com"), std::string::npos);
  EXPECT_EQ(count(page.body, "data-current=\"true\""), 1u);
  EXPECT_NE(page.body.find("Signed in to: your account"), std::string::npos) << "the session records the account page";
  EXPECT_EQ(events_, (std::vector<std::string>{"success:account"}));
}

TEST_F(AccountTest, AnotherBrowsersSessionIsListed) {
  auto a = signed_in();
  clock_.advance(60);
  auto b = signed_in();
  auto page = get(a);
  EXPECT_EQ(count(page.body, "<li class=\"session\""), 2u);
  EXPECT_EQ(count(page.body, "data-current=\"true\""), 1u);
  EXPECT_LT(page.body.find("Another browser"), page.body.find("This browser")) << "newest first";
}

TEST_F(AccountTest, TheProfileShowsTheClaimsTheUserHasUnderTheirLabels) {
  auto b = signed_in();
  auto page = get(b);
  EXPECT_NE(page.body.find("<dt>Name</dt><dd>Ada Lovelace</dd>"), std::string::npos);
  EXPECT_NE(page.body.find("<dt>Username</dt><dd>ada</dd>"), std::string::npos);
  EXPECT_NE(page.body.find("<dt>Email</dt><dd>ada@example.com (not verified)</dd>"), std::string::npos);
  EXPECT_EQ(page.body.find("<dt>Nickname</dt>"), std::string::npos) << "a claim the user does not have is left out";
}

TEST_F(AccountTest, AWrongCurrentPasswordCountsTowardsTheLockoutLikeASignIn) {
  auto b = signed_in();
  for (int i = 0; i < 2; ++i) {
    auto r = change_password(b, "wrong", "new+password+1", "new+password+1");
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("The current password is not correct."), std::string::npos);
  }
  EXPECT_EQ(backend_.users().failed_logins("ada").count, 2);
  auto r = change_password(b, "wrong", "new+password+1", "new+password+1");
  EXPECT_NE(r.body.find("temporarily locked"), std::string::npos) << "the third failure locks the login name";
  r = change_password(b, "correct+horse", "new+password+1", "new+password+1");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("temporarily locked"), std::string::npos) << "refused while locked, even with the right password";
  EXPECT_TRUE(hasher_.verify(user::Password("correct horse"), backend_.users().find("u1")->password_hash));
  EXPECT_EQ(events_, (std::vector<std::string>{"success:account", "failure:account", "failure:account", "lockout:account",
                                               "locked:account"}));
  EXPECT_TRUE(session_of(b)) << "a wrong guess does not sign the browser out";
}

TEST_F(AccountTest, TheFormsRefuseAForeignOrMissingCsrfToken) {
  auto b = signed_in();
  get(b);
  const auto forged = issue_csrf_token(deps_.csrf_key, kLoginCsrf);  // issued, but for another form
  for (const auto& csrf : {forged, std::string("x"), std::string()}) {
    auto r = account_.change_password(request(
        "POST", b, "csrf=" + csrf + "&current_password=correct+horse&new_password=new+password+1&new_password_repeat=new+password+1"));
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("CSRF check failed"), std::string::npos);
    r = account_.sign_out_everywhere(request("POST", b, "csrf=" + csrf));
    EXPECT_EQ(r.status, 400);
  }
  // A valid account token that is not this browser's cookie.
  auto r = account_.sign_out_everywhere(request("POST", b, "csrf=" + issue_csrf_token(deps_.csrf_key, kAccountCsrf)));
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(hasher_.verify(user::Password("correct horse"), backend_.users().find("u1")->password_hash));
  EXPECT_TRUE(session_of(b));
  EXPECT_EQ(backend_.users().failed_logins("ada").count, 0) << "refused before the password check";
}

TEST_F(AccountTest, ANewPasswordMustBeRepeatedAndFollowTheRules) {
  auto b = signed_in();
  auto r = change_password(b, "correct+horse", "new+password+1", "new+password+2");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("do not match"), std::string::npos);
  r = change_password(b, "correct+horse", "short", "short");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("The new password must be at least 8 characters."), std::string::npos);
  EXPECT_TRUE(hasher_.verify(user::Password("correct horse"), backend_.users().find("u1")->password_hash));
}

TEST_F(AccountTest, ChangingThePasswordEndsOtherSessionsAndGrantsButKeepsThisBrowser) {
  auto other = signed_in();
  auto b = signed_in();
  const auto before = session_of(b);
  ASSERT_TRUE(before);
  backend_.refresh_tokens().insert({"rt-hash", "grant-1", "web", "u1", "openid", {before->sid, before->auth_time, "pwd"},
                                    clock_.now(), clock_.now() + 3600});
  clock_.advance(120);
  const auto old_cookie = b.cookies.at("gh_session");
  auto r = change_password(b, "correct+horse", "new+password+1", "new+password+1");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("Your password was changed."), std::string::npos);
  EXPECT_TRUE(hasher_.verify(user::Password("new password 1"), backend_.users().find("u1")->password_hash));
  EXPECT_FALSE(session_of(other)) << "the other browser is signed out";
  EXPECT_FALSE(backend_.refresh_tokens().find_active("rt-hash", clock_.now())) << "every grant ends";
  EXPECT_EQ(backend_.users().find("u1")->tokens_valid_after, clock_.now());
  auto after = session_of(b);
  ASSERT_TRUE(after) << "this browser stays signed in";
  EXPECT_NE(b.cookies.at("gh_session"), old_cookie) << "with a new cookie value";
  Browser stale;
  stale.cookies["gh_session"] = old_cookie;
  EXPECT_FALSE(session_of(stale)) << "whoever held the old cookie is out";
  EXPECT_EQ(after->sid, before->sid);
  EXPECT_EQ(after->auth_time, clock_.now()) << "not before the user's token cut-off: it still signs in to applications";
  EXPECT_EQ(after->participants.size(), before->participants.size());
  EXPECT_EQ(count(get(b).body, "<li class=\"session\""), 1u);
  EXPECT_EQ(events_.back(), "account.password_changed:u1");
}

TEST_F(AccountTest, ThePasswordChangeBudgetIsPerAccountSoOneUserCannotSpendAnothers) {
  user::User bob;
  bob.id = "u2";
  bob.username = "bob";
  bob.password_hash = hasher_.hash(user::Password("bobs password"));
  ASSERT_EQ(backend_.users().insert(bob), user::UserWriteResult::kOk);
  auto ada = signed_in();
  Browser bobs;
  auto login = get(bobs);
  auto r = sign_in_.login_endpoint(request("POST", bobs, "tx=" + field(login.body, "tx") + "&csrf=" + field(login.body, "csrf") +
                                                          "&username=bob&password=bobs+password"));
  bobs.keep(r);
  ASSERT_EQ(r.status, 303);
  // A limiter as the wiring's: two attempts per service and window; the per-address budget is
  // large here, as for many users behind one proxy.
  std::map<std::string, int> spent;
  std::vector<std::string> addresses;
  deps_.login_rate_limit = [&](std::string_view service, std::string_view address) -> std::optional<UnixSeconds> {
    addresses.emplace_back(address);
    return ++spent[std::string(service)] > 2 ? std::optional<UnixSeconds>(30) : std::nullopt;
  };
  for (int i = 0; i < 2; ++i) EXPECT_EQ(change_password(ada, "wrong", "new+password+1", "new+password+1").status, 400);
  r = change_password(ada, "correct+horse", "new+password+1", "new+password+1");
  EXPECT_EQ(r.status, 429) << "ada has spent her budget";
  EXPECT_NE(r.body.find("Too many sign-in attempts"), std::string::npos);
  r = change_password(bobs, "bobs+password", "bobs+new+password", "bobs+new+password");
  EXPECT_EQ(r.status, 200) << "bob's budget is his own";
  EXPECT_TRUE(hasher_.verify(user::Password("bobs new password"), backend_.users().find("u2")->password_hash));
  EXPECT_EQ(spent, (std::map<std::string, int>{{"account:u1", 3}, {"account:u2", 1}}));
  EXPECT_EQ(addresses.size(), 4u) << "every attempt still counts towards its address";
}

TEST_F(AccountTest, APasswordChangeStillWorksWhenTheCheckUpgradesAnOutdatedHash) {
  // The change replaces only the hash the current password was just verified against (so that a
  // second post of the form at once changes nothing); a hash upgraded by that check is the one.
  const user::PasswordHasher older({128, 1, 1});
  ASSERT_TRUE(backend_.users().set_password_hash("u1", older.hash(user::Password("correct horse")), clock_.now()));
  auto b = signed_in();  // upgrades it
  ASSERT_TRUE(backend_.users().set_password_hash("u1", older.hash(user::Password("correct horse")), clock_.now()));
  auto r = change_password(b, "correct+horse", "new+password+1", "new+password+1");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(hasher_.verify(user::Password("new password 1"), backend_.users().find("u1")->password_hash));
  EXPECT_FALSE(hasher_.needs_rehash(backend_.users().find("u1")->password_hash));
}

TEST_F(AccountTest, SignOutEverywhereEndsEverySessionThisOneToo) {
  auto other = signed_in();
  auto b = signed_in();
  const auto csrf = field(get(b).body, "csrf");
  auto r = account_.sign_out_everywhere(request("POST", b, "csrf=" + csrf));
  b.keep(r);
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("signed out everywhere"), std::string::npos);
  EXPECT_EQ(b.cookies.count("gh_session"), 0u) << "the session cookie is cleared";
  EXPECT_FALSE(session_of(other));
  EXPECT_TRUE(backend_.sso_sessions().list_user("u1", clock_.now(), 1800, 10).empty());
  EXPECT_EQ(events_.back(), "account.signed_out_everywhere:u1");
  auto again = get(b);
  EXPECT_NE(again.body.find("name=\"tx\""), std::string::npos) << "the page asks to sign in again";
}

TEST_F(AccountTest, APostWithoutASessionGoesBackToThePage) {
  auto b = signed_in();
  const auto csrf = field(get(b).body, "csrf");
  b.cookies.erase("gh_session");
  auto r = account_.sign_out_everywhere(request("POST", b, "csrf=" + csrf));
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(*r.header("Location"), "/account");
}

TEST_F(AccountTest, ASessionCookieThatNeverReachesThePageIsSaidRatherThanLoopingThroughSignIns) {
  deps_.cookies.session_cookie_path = "/oauth2";
  Browser b;
  auto r = get(b);
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("login.session_cookie_path"), std::string::npos);
  EXPECT_EQ(r.body.find("name=\"tx\""), std::string::npos) << "no sign-in started";
  for (const auto* path : {"/", "/account"}) {
    deps_.cookies.session_cookie_path = path;
    EXPECT_EQ(get(b).status, 200) << path;
  }
  for (const auto* path : {"/acc", "/account/", "/accounts"}) {
    deps_.cookies.session_cookie_path = path;
    EXPECT_EQ(get(b).status, 404) << path << " is not sent to /account";
  }
}


// --- sign-in methods -------------------------------------------------------------------------

/// The text between `open` (an element's start, found after its id) and `close`.
std::string inner(const std::string& body, const std::string& id, const std::string& close) {
  const auto at = body.find("id=\"" + id + "\"");
  if (at == std::string::npos) return {};
  const auto start = body.find('>', at) + 1;
  return body.substr(start, body.find(close, start) - start);
}

class AccountFactorsTest : public AccountTest {
 protected:
  AccountFactorsTest()
      : factors_(mfa::testing::factors_deps(backend_, clock_)) {
    account_deps_.factors = &factors_;
    account_deps_.reauthenticate_after = 300;
    deps_.factors = &factors_;  // the sign-in asks those who have a second factor for it
  }

  /// Signs `b` in from the login page `login` (else /account's) with the password, then the
  /// second factor the user has: `method` ("totp" | "recovery") and its `code`.
  void sign_in_with_factor(Browser& b, const std::string& method, const std::string& code, http::Response login = {}) {
    if (login.body.empty()) login = get(b);
    auto r = sign_in_.login_endpoint(request(
        "POST", b, "tx=" + field(login.body, "tx") + "&csrf=" + field(login.body, "csrf") + "&username=ada&password=correct+horse"));
    b.keep(r);
    ASSERT_EQ(r.status, 200) << "the second factor follows the password";
    r = sign_in_.factor_endpoint(
        request("POST", b, "tx=" + field(r.body, "tx") + "&csrf=" + field(r.body, "csrf") + "&method=" + method + "&code=" + code));
    b.keep(r);
    ASSERT_EQ(r.status, 303) << r.body;
    EXPECT_NE(session_of(b)->amr.find("mfa"), std::string::npos);
  }

  using Action = http::Response (AccountPages::*)(const http::Request&) const;
  http::Response post(Browser& b, Action action, const std::string& fields = {}) {
    const auto csrf = field(get(b).body, "csrf");
    auto r = (account_.*action)(request("POST", b, "csrf=" + csrf + (fields.empty() ? "" : "&" + fields)));
    b.keep(r);
    return r;
  }
  /// The seed the enrolment panel shows, from its base32 text.
  static TotpSeed shown_seed(const http::Response& r) { return *otp::seed_from_base32(inner(r.body, "totp-secret", "<")); }
  OneTimeCode code_now(const TotpSeed& seed) { return otp::totp(seed, clock_.now()); }
  std::string wrong_code(const TotpSeed& seed) {
    for (int n = 0;; ++n) {
      auto c = std::to_string(200000 + n);
      bool near = false;
      for (int d = -1; d <= 1; ++d) near = near || otp::totp(seed, clock_.now() + 30 * d).reveal() == c;
      if (!near) return c;
    }
  }
  void add_passkey(const std::string& id, const std::string& user_id, const std::string& name) {
    mfa::Passkey p;
    p.credential_id = id;
    p.user_id = user_id;
    p.name = name;
    p.public_key = "k";
    p.algorithm = -7;
    p.created_at = clock_.now();
    ASSERT_TRUE(backend_.passkeys().insert(p));
  }

  mfa::Factors factors_;
};

TEST_F(AccountFactorsTest, ThePageListsTheSignInMethods) {
  add_passkey("cred-1", "u1", "<b>Phone</b>");
  ASSERT_TRUE(backend_.passkeys().flag("cred-1", 0));
  auto b = signed_in();
  auto page = get(b);
  EXPECT_NE(page.body.find("<h2>Sign-in methods</h2>"), std::string::npos);
  EXPECT_NE(page.body.find("id=\"totp-status\" data-enabled=\"false\">Not set up."), std::string::npos);
  EXPECT_NE(page.body.find("data-left=\"0\""), std::string::npos);
  EXPECT_NE(page.body.find("&lt;b&gt;Phone&lt;/b&gt;"), std::string::npos) << "escaped";
  EXPECT_EQ(page.body.find("<b>Phone"), std::string::npos);
  EXPECT_NE(page.body.find("data-flagged=\"true\""), std::string::npos);
  EXPECT_NE(page.body.find("sign in again"), std::string::npos) << "the page says changes need a recent sign-in";
  EXPECT_LT(page.body.find("id=\"factors\""), page.body.find("id=\"password\"")) << "where the template puts it";
}

TEST_F(AccountFactorsTest, AnAuthenticatorAppIsSetUpOnlyWithARightCodeAndRecoveryCodesAreShownOnce) {
  auto b = signed_in();
  auto begun = post(b, &AccountPages::totp_begin);
  ASSERT_EQ(begun.status, 200) << begun.body;
  EXPECT_EQ(*begun.header("Cache-Control"), "no-store");
  EXPECT_NE(inner(begun.body, "totp-qr", "</div>").find("<svg"), std::string::npos) << "an inline SVG, no external image";
  EXPECT_EQ(begun.body.find("<img"), std::string::npos);
  const auto seed = shown_seed(begun);
  EXPECT_TRUE(factors_.summary("u1").totp_pending);
  // A wrong code: the same enrolment again, with an error, and nothing confirmed.
  auto wrong = post(b, &AccountPages::totp_confirm, "code=" + wrong_code(seed));
  EXPECT_EQ(wrong.status, 400);
  EXPECT_NE(wrong.body.find("That code is not right."), std::string::npos);
  EXPECT_EQ(shown_seed(wrong).reveal(), seed.reveal()) << "the app already holds this key";
  EXPECT_FALSE(factors_.summary("u1").totp);
  EXPECT_TRUE(factors_.summary("u1").totp_pending);
  EXPECT_TRUE(events_.size() == 1u) << "nothing audited";
  // The right code, typed with a space.
  auto code = code_now(seed).reveal();
  auto done = post(b, &AccountPages::totp_confirm, "code=" + code.substr(0, 3) + "+" + code.substr(3));
  EXPECT_EQ(done.status, 200) << done.body;
  EXPECT_NE(done.body.find("Your authenticator app is set up."), std::string::npos);
  EXPECT_NE(done.body.find("data-enabled=\"true\">Set up since"), std::string::npos);
  EXPECT_EQ(*done.header("Cache-Control"), "no-store");
  EXPECT_EQ(count(done.body, "class=\"recovery-code\""), 10u) << "no codes yet: ten are made and shown";
  EXPECT_NE(done.body.find("shown only now"), std::string::npos);
  EXPECT_TRUE(factors_.summary("u1").totp);
  EXPECT_EQ(factors_.summary("u1").recovery_codes_left, 10u);
  const auto shown = inner(done.body, "new-recovery-codes", "</div>");
  const auto first = shown.substr(shown.find("recovery-code\">") + 15, 14);
  EXPECT_EQ(factors_.use_recovery_code("u1", RecoveryCode(first)), mfa::CodeCheck::kAccepted) << "a code shown works";
  EXPECT_EQ(count(get(b).body, "class=\"recovery-code\""), 0u) << "shown once";
  EXPECT_EQ(events_, (std::vector<std::string>{"success:account", "account.totp_added:u1", "account.recovery_codes_generated:u1"}));
  // Now that the account has a second factor, a sign-in with the password alone changes nothing:
  // the change asks for a sign-in with the factor first.
  auto asked = post(b, &AccountPages::totp_remove);
  EXPECT_NE(asked.body.find("name=\"tx\""), std::string::npos) << "the login form";
  EXPECT_TRUE(factors_.summary("u1").totp);
  clock_.advance(30);
  sign_in_with_factor(b, "totp", code_now(seed).reveal(), asked);
  // Set up again after the recovery codes exist: none are made.
  ASSERT_EQ(post(b, &AccountPages::totp_remove).status, 200);
  EXPECT_EQ(events_.back(), "account.totp_removed:u1");
  EXPECT_FALSE(factors_.summary("u1").totp);
  clock_.advance(30);
  auto again = post(b, &AccountPages::totp_begin);
  auto confirmed = post(b, &AccountPages::totp_confirm, "code=" + code_now(shown_seed(again)).reveal());
  EXPECT_EQ(confirmed.status, 200);
  EXPECT_EQ(count(confirmed.body, "class=\"recovery-code\""), 0u);
  EXPECT_EQ(events_.back(), "account.totp_added:u1");
}

TEST_F(AccountFactorsTest, TooManyWrongCodesLockAndSaySo) {
  auto b = signed_in();
  const auto seed = shown_seed(post(b, &AccountPages::totp_begin));
  for (int i = 0; i < 2; ++i) EXPECT_EQ(post(b, &AccountPages::totp_confirm, "code=" + wrong_code(seed)).status, 400);
  auto r = post(b, &AccountPages::totp_confirm, "code=" + wrong_code(seed));
  EXPECT_EQ(r.status, 429);
  EXPECT_NE(r.body.find("Too many wrong codes."), std::string::npos);
  r = post(b, &AccountPages::totp_confirm, "code=" + code_now(seed).reveal());
  EXPECT_EQ(r.status, 429) << "even the right code while locked";
  EXPECT_FALSE(factors_.summary("u1").totp);
  EXPECT_EQ(backend_.users().failed_logins("ada").count, 0) << "the password is not locked";
}

TEST_F(AccountFactorsTest, EveryChangeRefusesAForeignCsrfToken) {
  auto b = signed_in();
  add_passkey("cred-1", "u1", "Phone");
  const auto forged = issue_csrf_token(deps_.csrf_key, kLoginCsrf);
  for (Action a : {&AccountPages::totp_begin, &AccountPages::totp_confirm, &AccountPages::totp_remove, &AccountPages::recovery_codes,
                   &AccountPages::passkey_rename, &AccountPages::passkey_remove}) {
    auto r = (account_.*a)(request("POST", b, "csrf=" + forged + "&credential_id=cred-1&name=Mine&code=123456"));
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("CSRF check failed"), std::string::npos);
  }
  const auto s = factors_.summary("u1");
  EXPECT_FALSE(s.totp_pending);
  EXPECT_EQ(s.recovery_codes_left, 0u);
  ASSERT_EQ(s.passkeys.size(), 1u);
  EXPECT_EQ(s.passkeys[0].name, "Phone");
  EXPECT_EQ(events_.size(), 1u);
}

TEST_F(AccountFactorsTest, AnOldSignInIsRenewedFirstAndNothingChangesMeanwhile) {
  auto b = signed_in();
  add_passkey("cred-1", "u1", "Phone");
  const auto codes = factors_.new_recovery_codes("u1");
  clock_.advance(301);
  for (Action a : {&AccountPages::totp_begin, &AccountPages::totp_remove, &AccountPages::recovery_codes,
                   &AccountPages::passkey_rename, &AccountPages::passkey_remove}) {
    auto r = post(b, a, "credential_id=cred-1&name=Mine");
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("name=\"tx\""), std::string::npos) << "the login form: a fresh sign-in";
    EXPECT_NE(r.body.find("your account"), std::string::npos);
  }
  auto s = factors_.summary("u1");
  EXPECT_FALSE(s.totp_pending);
  EXPECT_EQ(s.passkeys.at(0).name, "Phone");
  EXPECT_EQ(s.recovery_codes_left, 10u);
  EXPECT_EQ(events_.size(), 1u);
  // The fresh sign-in (with the second factor: the account has one) comes back to the page, and
  // then the change is made.
  sign_in_with_factor(b, "recovery", codes[0].reveal(), post(b, &AccountPages::totp_begin));
  EXPECT_EQ(session_of(b)->auth_time, clock_.now());
  EXPECT_EQ(post(b, &AccountPages::totp_begin).status, 200);
  EXPECT_TRUE(factors_.summary("u1").totp_pending);
}

TEST_F(AccountFactorsTest, NewRecoveryCodesReplaceTheOldOnes) {
  auto b = signed_in();
  const auto old = factors_.new_recovery_codes("u1");
  auto r = post(b, &AccountPages::recovery_codes);
  EXPECT_NE(r.body.find("name=\"tx\""), std::string::npos) << "a password alone makes no codes for an account with some";
  EXPECT_EQ(factors_.use_recovery_code("u1", old[0]), mfa::CodeCheck::kAccepted) << "the old ones are untouched";
  sign_in_with_factor(b, "recovery", old[1].reveal(), r);
  r = post(b, &AccountPages::recovery_codes);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(*r.header("Cache-Control"), "no-store");
  EXPECT_EQ(count(r.body, "class=\"recovery-code\""), 10u);
  EXPECT_NE(r.body.find("Store them somewhere safe"), std::string::npos);
  EXPECT_EQ(r.body.find(old[0].reveal()), std::string::npos);
  EXPECT_EQ(factors_.use_recovery_code("u1", old[2]), mfa::CodeCheck::kWrong);
  EXPECT_EQ(events_.back(), "account.recovery_codes_generated:u1");
}

TEST_F(AccountFactorsTest, APasskeyIsRenamedWithinBoundsAndRemovedOnlyByItsUser) {
  add_passkey("cred-1", "u1", "Phone");
  add_passkey("cred-2", "u2", "Bob's key");
  const auto codes = factors_.new_recovery_codes("u1");
  Browser b;
  sign_in_with_factor(b, "recovery", codes[0].reveal());
  for (const std::string bad : std::vector<std::string>{"", "+++", std::string(65, 'a'), "a%0Ab", "%C3%28"}) {
    auto r = post(b, &AccountPages::passkey_rename, "credential_id=cred-1&name=" + bad);
    EXPECT_EQ(r.status, 400) << bad;
  }
  EXPECT_EQ(post(b, &AccountPages::passkey_rename, "credential_id=cred-2&name=Mine").status, 404) << "not ada's";
  EXPECT_EQ(post(b, &AccountPages::passkey_remove, "credential_id=cred-2").status, 404);
  EXPECT_EQ(backend_.passkeys().list_user("u2").size(), 1u);
  EXPECT_EQ(factors_.summary("u1").passkeys.at(0).name, "Phone");
  EXPECT_EQ(events_.size(), 1u);
  auto r = post(b, &AccountPages::passkey_rename, "credential_id=cred-1&name=%C3%89t%C3%A9+key+");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(factors_.summary("u1").passkeys.at(0).name, "\xC3\x89t\xC3\xA9 key");
  EXPECT_EQ(events_.back(), "account.passkey_renamed:u1");
  r = post(b, &AccountPages::passkey_remove, "credential_id=cred-1");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(factors_.summary("u1").passkeys.empty());
  EXPECT_EQ(events_.back(), "account.passkey_removed:u1");
}

TEST_F(AccountFactorsTest, AThemeWithoutTheFactorsPlaceholderStillShowsThem) {
  ThemeProvider themes(backend_.settings());
  auto custom = parse_theme(boost::json::object{{"account_html", "<main><p>{{csrf}} {{sessions}}</p></main>"}});
  ASSERT_TRUE(custom);
  themes.save(*custom, clock_.now());
  deps_.theme = &themes;
  auto b = signed_in();
  auto page = get(b);
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<h2>Sign-in methods</h2>"), std::string::npos);
  EXPECT_LT(page.body.find("Sign-in methods"), page.body.find("</main>"));
  auto begun = post(b, &AccountPages::totp_begin);
  EXPECT_NE(begun.body.find("id=\"totp-secret\""), std::string::npos);
}

TEST(AccountTheme, TheTemplateIsPartOfTheThemeAndAStoredThemeWithoutItFallsBack) {
  EXPECT_EQ(builtin_theme().account_html, web::k_account_html);
  auto parsed = parse_theme(boost::json::object{{"login_html", builtin_theme().login_html}});
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->account_html, builtin_theme().account_html) << "a theme saved before the account page keeps the built-in one";
  auto refused = parse_theme(boost::json::object{{"account_html", "<form>{{sessions}}</form>"}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), "account_html must keep the placeholder {{csrf}}");
  EXPECT_FALSE(parse_theme(boost::json::object{{"account_html", "<form>{{csrf}}</form>"}}));
  auto custom = parse_theme(boost::json::object{{"account_html", "<p>{{csrf}} {{sessions}}</p>"}});
  ASSERT_TRUE(custom);
  EXPECT_EQ(theme_json(*custom).at("account_html").as_string(), "<p>{{csrf}} {{sessions}}</p>");
}


// Adding a passkey: the options (JSON) under the same recent sign-in rule, then the answer the
// soft authenticator makes, stored once with its name; a second registration of it is refused.
class AccountPasskeysTest : public AccountFactorsTest {
 protected:
  AccountPasskeysTest()
      : passkeys_(mfa::PasskeysDeps{.passkeys = backend_.passkeys(),
                                    .challenges = backend_.webauthn_challenges(),
                                    .clock = clock_,
                                    .rp = {"localhost", {"http://localhost:9011"}}}) {
    account_deps_.passkeys = &passkeys_;
  }

  /// The options, then the answer of `key` as the form's credential field (url-encoded JSON).
  std::string answer(Browser& b, const webauthn::testing::SoftCredential& key) {
    auto r = post(b, &AccountPages::passkey_options);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(*r.header("Cache-Control"), "no-store");
    options_ = boost::json::parse(r.body).as_object();
    const webauthn::testing::ClientContext ctx{"http://localhost:9011", "localhost",
                                                std::string(options_.at("challenge").as_string()), false};
    auto reg = key.register_credential(ctx, {}, 0);
    const auto id = base64url_encode(key.credential_id());
    boost::json::object o{{"id", id}, {"rawId", id}, {"type", "public-key"}};
    o["response"] = {{"clientDataJSON", base64url_encode(reg.client_data_json)},
                     {"attestationObject", base64url_encode(reg.attestation_object)}};
    std::string out;
    for (unsigned char c : boost::json::serialize(o)) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      if (std::isalnum(c)) out += static_cast<char>(c);
      else out += std::string("%") + kHex[c >> 4] + kHex[c & 15];
    }
    return "credential=" + out;
  }

  mfa::Passkeys passkeys_;
  boost::json::object options_;
};

TEST_F(AccountPasskeysTest, APasskeyIsAddedOnceFromTheAccountPage) {
  auto b = signed_in();
  auto page = get(b);
  EXPECT_NE(page.body.find("data-passkey-options=\"/account/passkeys/options\""), std::string::npos);
  EXPECT_NE(page.body.find("Add a passkey"), std::string::npos);
  EXPECT_NE(page.body.find("src=\"/assets/passkey.js\""), std::string::npos);
  const auto key = webauthn::testing::SoftCredential::generate(webauthn::CoseAlgorithm::kEdDSA);
  auto r = post(b, &AccountPages::passkey_add, answer(b, key) + "&name=My+key");
  EXPECT_EQ(options_.at("user").at("name"), "ada");
  EXPECT_TRUE(options_.at("excludeCredentials").as_array().empty());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("The passkey was added."), std::string::npos);
  ASSERT_EQ(factors_.summary("u1").passkeys.size(), 1u);
  EXPECT_EQ(factors_.summary("u1").passkeys[0].name, "My key");
  EXPECT_EQ(events_.back(), "account.passkey_added:u1");
  // A password alone adds no passkey to an account that has one: sign in with a factor first.
  EXPECT_EQ(post(b, &AccountPages::passkey_options).status, 403);
  const auto codes = factors_.new_recovery_codes("u1");
  auto asked = post(b, &AccountPages::passkey_add, "name=x");
  EXPECT_NE(asked.body.find("name=\"tx\""), std::string::npos) << "the login form";
  sign_in_with_factor(b, "recovery", codes[0].reveal(), asked);
  // Again: excluded in the options, and refused if the authenticator answers anyway.
  auto again = post(b, &AccountPages::passkey_add, answer(b, key) + "&name=");
  EXPECT_EQ(options_.at("excludeCredentials").as_array().size(), 1u);
  EXPECT_EQ(again.status, 400);
  EXPECT_NE(again.body.find("registered already"), std::string::npos);
  EXPECT_EQ(factors_.summary("u1").passkeys.size(), 1u);
  // Malformed: a clear 400, nothing stored.
  auto bad = post(b, &AccountPages::passkey_add, "credential=%7B%7D&name=x");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("could not be read"), std::string::npos);
  EXPECT_EQ(factors_.summary("u1").passkeys.size(), 1u);
}

TEST_F(AccountPasskeysTest, TheOptionsNeedARecentSignInAndTheFormsToken) {
  auto b = signed_in();
  clock_.advance(301);
  auto r = post(b, &AccountPages::passkey_options);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(boost::json::parse(r.body).at("error"), "login_required");
  auto forged = account_.passkey_options(request("POST", b, "csrf=" + issue_csrf_token(deps_.csrf_key, kLoginCsrf)));
  EXPECT_EQ(forged.status, 400);
  EXPECT_EQ(boost::json::parse(forged.body).at("error"), "csrf");
}

}  // namespace
}  // namespace gatehouse::signin::account
