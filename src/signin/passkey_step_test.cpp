// The passkey step of the sign-in (passkey_step.cpp) against a real (in-memory SQLite) store, a
// fixed clock and the soft authenticator: the login page's passkey sign-in (no username), a
// passkey after the password, the amr each reaches, the factor page when a passkey without user
// verification is not enough, and refusals that re-render the page.

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "signin/testing/pages.hpp"

#include "mfa/testing/factors_deps.hpp"
#include "core/base64url.hpp"
#include "jose/openssl/crypto.hpp"
#include "signin/sign_in.hpp"
#include "storage/sqlite/sqlite_backend.hpp"
#include "webauthn/testing/soft_authenticator.hpp"

namespace gatehouse::signin {
namespace {

namespace json = boost::json;
using webauthn::testing::ClientContext;
using webauthn::testing::Flags;
using webauthn::testing::SoftCredential;

constexpr std::string_view kOrigin = "http://localhost:9011";

class Door final : public FrontDoor {
 public:
  std::string_view kind() const override { return kOidcKind; }
  std::string display_name(std::string_view service) const override { return std::string(service); }
  http::Response resume(const SignInTransaction&, const session::SsoSession&, const http::Request&) const override {
    http::Response r;
    r.status = 302;
    r.set("Location", "https://app.example/cb");
    return r;
  }
};

using signin::testing::field;

class PasskeyStepTest : public ::testing::Test {
 protected:
  PasskeyStepTest()
      : backend_(storage::sqlite::SqliteOptions{":memory:", 2}),
        clock_(1'800'000'000),
        hasher_(user::Argon2Params{256, 1, 1}),
        factors_(mfa::testing::factors_deps(backend_, clock_, {})),
        passkeys_(mfa::PasskeysDeps{.passkeys = backend_.passkeys(),
                                    .challenges = backend_.webauthn_challenges(),
                                    .clock = clock_,
                                    .rp = {"localhost", {std::string(kOrigin)}}}),
        deps_{backend_.users(), hasher_, backend_.login_transactions(), backend_.sso_sessions(), clock_},
        sign_in_(deps_),
        key_(SoftCredential::generate(webauthn::CoseAlgorithm::kES256)) {
    backend_.migrate();
    deps_.csrf_key = CsrfKey(jose::random_bytes(32));
    deps_.factors = &factors_;
    deps_.passkeys = &passkeys_;
    deps_.on_sign_in = [this](const SignInEvent& e) { events_.push_back(std::string(e.outcome)); };
    sign_in_.add_front_door(door_);
    user::User u;
    u.id = "u1";
    u.username = "ada";
    u.password_hash = hasher_.hash(user::Password("correct horse"));
    EXPECT_EQ(backend_.users().insert(u), user::UserWriteResult::kOk);
    auto options = json::parse(passkeys_.registration_options(u, "")).as_object();
    const ClientContext ctx{std::string(kOrigin), "localhost", std::string(options.at("challenge").as_string()), false};
    auto r = key_.register_credential(ctx, {}, 1);
    const auto id = base64url_encode(key_.credential_id());
    json::object answer{{"id", id}, {"rawId", id}, {"type", "public-key"}};
    answer["response"] = {{"clientDataJSON", base64url_encode(r.client_data_json)},
                          {"attestationObject", base64url_encode(r.attestation_object)}};
    EXPECT_TRUE(passkeys_.finish_registration("u1", "", json::serialize(answer), "Key"));
  }

  struct Form {
    std::string tx, csrf, body;
  };
  Form start() {
    SignInTransaction tx;
    tx.continuation = {std::string(kOidcKind), "p"};
    tx.service = "web";
    http::Request get;
    get.method = "GET";
    auto r = sign_in_.start(tx, get);
    EXPECT_EQ(r.status, 200);
    return {field(r.body, "tx"), field(r.body, "csrf"), r.body};
  }

  http::Response post(std::string_view path, const Form& f, const std::string& more) {
    http::Request req;
    req.method = "POST";
    req.headers.push_back({"content-type", "application/x-www-form-urlencoded"});
    req.headers.push_back({"cookie", "gh_csrf=" + f.csrf});
    req.body = "tx=" + f.tx + "&csrf=" + f.csrf + more;
    if (path == kLoginPath) return sign_in_.login_endpoint(req);
    if (path == kPasskeyOptionsPath) return sign_in_.passkey_options_endpoint(req);
    return sign_in_.passkey_endpoint(req);
  }

  /// The options, then the soft authenticator's answer (form-encoded as the `credential` field).
  std::string answer(const Form& f, Flags flags, std::uint32_t count, std::string_view user_handle = "u1") {
    auto r = post(kPasskeyOptionsPath, f, {});
    EXPECT_EQ(r.status, 200) << r.body;
    options_ = json::parse(r.body).as_object();
    const ClientContext ctx{std::string(kOrigin), "localhost", std::string(options_.at("challenge").as_string()), false};
    auto a = key_.assert_credential(ctx, flags, count);
    const auto id = base64url_encode(key_.credential_id());
    json::object o{{"id", id}, {"rawId", id}, {"type", "public-key"}};
    o["response"] = {{"clientDataJSON", base64url_encode(a.client_data_json)},
                     {"authenticatorData", base64url_encode(a.authenticator_data)},
                     {"signature", base64url_encode(a.signature)},
                     {"userHandle", base64url_encode(user_handle)}};
    return "&credential=" + url_encode(json::serialize(o));
  }

  static std::string url_encode(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
        out += static_cast<char>(c);
      } else {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
    return out;
  }

  std::string amr_of(const http::Response& r) {
    for (const auto& h : r.headers)
      if (h.name == "Set-Cookie" && h.value.starts_with("gh_session=")) {
        http::Request req;
        req.headers.push_back({"cookie", h.value.substr(0, h.value.find(';'))});
        auto s = sign_in_.current_session(req);
        return s ? s->amr : "no session";
      }
    return "no cookie";
  }

  storage::sqlite::SqliteBackend backend_;
  FixedClock clock_;
  user::PasswordHasher hasher_;
  mfa::Factors factors_;
  mfa::Passkeys passkeys_;
  SignInDeps deps_;
  SignIn sign_in_;
  Door door_;
  SoftCredential key_;
  json::object options_;
  std::vector<std::string> events_;
};

TEST_F(PasskeyStepTest, ThePasskeySignInNeedsNoUsername) {
  auto f = start();
  EXPECT_NE(f.body.find("data-passkey-options=\"/oauth2/login/passkey/options\""), std::string::npos);
  EXPECT_NE(f.body.find("Sign in with a passkey"), std::string::npos);
  EXPECT_EQ(f.body.find("{{passkey_block}}"), std::string::npos);
  const auto credential = answer(f, Flags{.user_verified = true}, 2);
  EXPECT_TRUE(options_.at("allowCredentials").as_array().empty()) << "discoverable: no username, no list";
  EXPECT_EQ(options_.at("rpId"), "localhost");
  auto r = post(kPasskeyPath, f, credential);
  ASSERT_EQ(r.status, 302) << r.body;
  EXPECT_EQ(amr_of(r), "hwk user mfa") << "user verification makes it two factors";
  EXPECT_EQ(post(kPasskeyPath, f, credential).status, 400) << "the transaction is used up";
}

TEST_F(PasskeyStepTest, WithoutUserVerificationARequiredSecondFactorFollows) {
  deps_.mfa_default = MfaPolicy::kRequired;
  factors_.new_recovery_codes("u1");
  auto f = start();
  auto r = post(kPasskeyPath, f, answer(f, Flags{.user_verified = false}, 2));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("Recovery code"), std::string::npos);
  EXPECT_EQ(r.body.find("Use a passkey"), std::string::npos) << "a second passkey is not a second kind of factor";
  auto tx = backend_.login_transactions().find(f.tx, clock_.now());
  ASSERT_TRUE(tx);
  EXPECT_EQ(tx->user_id, "u1");
  EXPECT_EQ(tx->amr, "hwk user");
  // Without a code to ask for, the passkey alone cannot finish it: the password first.
  backend_.recovery_codes().remove_all("u1");
  auto h = start();
  auto refused = post(kPasskeyPath, h, answer(h, Flags{.user_verified = false}, 3));
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("Sign in with your password, then use your passkey."), std::string::npos);
  EXPECT_EQ(backend_.login_transactions().find(h.tx, clock_.now())->amr, "") << "nothing recorded";
  auto pwd = post(kLoginPath, h, "&username=ada&password=correct+horse");
  EXPECT_NE(pwd.body.find("Use a passkey"), std::string::npos);
  auto two = post(kPasskeyPath, h, answer(h, Flags{.user_verified = false}, 4));
  ASSERT_EQ(two.status, 302) << two.body;
  EXPECT_EQ(amr_of(two), "pwd hwk user mfa");
  deps_.mfa_default = MfaPolicy::kOptional;
  auto g = start();
  auto done = post(kPasskeyPath, g, answer(g, Flags{.user_verified = false}, 5));
  ASSERT_EQ(done.status, 302) << "not required: one factor is enough";
  EXPECT_EQ(amr_of(done), "hwk user");
}

TEST_F(PasskeyStepTest, APasskeyAfterThePasswordIsTheSecondFactor) {
  auto f = start();
  auto page = post(kLoginPath, f, "&username=ada&password=correct+horse");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("Use a passkey"), std::string::npos);
  const auto credential = answer(f, Flags{.user_verified = false}, 2);
  ASSERT_EQ(options_.at("allowCredentials").as_array().size(), 1u);
  EXPECT_EQ(options_.at("allowCredentials").at(0).at("id"), json::value(base64url_encode(key_.credential_id())));
  auto r = post(kPasskeyPath, f, credential);
  ASSERT_EQ(r.status, 302) << r.body;
  EXPECT_EQ(amr_of(r), "pwd hwk user mfa");
}

TEST_F(PasskeyStepTest, RefusalsRerenderThePageAndStoreNothing) {
  auto f = start();
  auto bad = post(kPasskeyPath, f, "&credential=%7B%22type%22%3A1%7D");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("could not be read"), std::string::npos);
  EXPECT_NE(bad.body.find("Sign in with a passkey"), std::string::npos) << "the login page again";
  auto wrong_user = post(kPasskeyPath, f, answer(f, Flags{}, 2, "someone-else"));
  EXPECT_EQ(wrong_user.status, 400);
  auto counter_back = post(kPasskeyPath, f, answer(f, Flags{}, 0));
  EXPECT_EQ(counter_back.status, 400);
  EXPECT_TRUE(backend_.passkeys().find(base64url_encode(key_.credential_id()))->flagged);
  EXPECT_TRUE(backend_.login_transactions().find(f.tx, clock_.now())) << "the sign-in may go on with the password";
  EXPECT_EQ(events_, (std::vector<std::string>{"failure"}))
      << "audited against the passkey's user only once its signature was verified (the cloned counter)";
  // The options answer JSON errors.
  Form forged = f;
  forged.csrf = "forged";
  auto r = post(kPasskeyOptionsPath, forged, {});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body).at("error"), "invalid_request");
}

TEST_F(PasskeyStepTest, AThemeWithoutThePasskeyPlaceholderStillOffersIt) {
  ThemeProvider themes(backend_.settings());
  auto custom = parse_theme(json::object{{"login_html", "<body><main><form>{{tx}} {{csrf}}</form></main></body>"}});
  ASSERT_TRUE(custom) << custom.error();
  themes.save(*custom, clock_.now());
  deps_.theme = &themes;
  auto f = start();
  const auto block = f.body.find("id=\"passkey-form\"");
  ASSERT_NE(block, std::string::npos);
  EXPECT_LT(block, f.body.find("</main>")) << "inside the page's main part";
  EXPECT_EQ(f.body.find("{{"), std::string::npos);
  custom = parse_theme(json::object{{"login_html", "<main>{{passkey_block}}<form>{{tx}} {{csrf}}</form></main>"}});
  themes.save(*custom, clock_.now());
  f = start();
  EXPECT_LT(f.body.find("id=\"passkey-form\""), f.body.find("<form>")) << "where the theme put it";
  deps_.passkeys = nullptr;
  EXPECT_EQ(start().body.find("passkey"), std::string::npos) << "no passkeys, no button";
}

TEST_F(PasskeyStepTest, AnInactiveUserIsRefused) {
  auto u = backend_.users().find("u1");
  u->active = false;
  ASSERT_EQ(backend_.users().update(*u), user::UserWriteResult::kOk);
  auto f = start();
  auto r = post(kPasskeyPath, f, answer(f, Flags{}, 2));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("cannot sign in"), std::string::npos);
}

}  // namespace
}  // namespace gatehouse::signin
