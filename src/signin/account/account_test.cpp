// The account page against a real (in-memory SQLite) store and a fixed clock: it is a front door
// (no session: a sign-in that comes back to /account), its password change (the current password
// through the password step and its lockout, CSRF, other sessions and grants ended, this browser
// kept), "sign out everywhere", and its template in the theme.

#include "signin/account/account.hpp"

#include <map>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "jose/openssl/crypto.hpp"
#include "signin/web_assets.hpp"
#include "storage/sqlite/sqlite_backend.hpp"

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

std::string field(const std::string& body, const std::string& name) {
  const auto at = body.find("name=\"" + name + "\" value=\"");
  if (at == std::string::npos) return {};
  const auto start = at + name.size() + 15;
  return body.substr(start, body.find('"', start) - start);
}

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

}  // namespace
}  // namespace gatehouse::signin::account
