// The sign-in domain against a real (in-memory SQLite) store and a fixed clock: the password step
// (lockout, rehash), the hand-over to the front door registered for the continuation's kind, and
// the services an SSO session records.

#include "signin/sign_in.hpp"

#include <set>

#include <gtest/gtest.h>

#include "jose/openssl/crypto.hpp"
#include "storage/sqlite/sqlite_backend.hpp"

namespace gatehouse::signin {
namespace {

constexpr user::Argon2Params kCheap{256, 1, 1};
constexpr user::Argon2Params kCheaper{128, 1, 1};

/// A front door that records what it was asked to resume.
class RecordingDoor final : public FrontDoor {
 public:
  explicit RecordingDoor(std::string kind) : kind_(std::move(kind)) {}
  std::string_view kind() const override { return kind_; }
  std::string display_name(std::string_view service) const override { return "Door " + kind_ + " for " + std::string(service); }
  http::Response resume(const SignInTransaction& tx, const session::SsoSession& s, const http::Request&) const override {
    resumed.push_back({tx.continuation.payload, s.user_id});
    http::Response r;
    r.status = 302;
    r.set("Location", "https://" + kind_ + ".example/" + tx.continuation.payload);
    return r;
  }
  mutable std::vector<std::pair<std::string, std::string>> resumed;  // payload, user

 private:
  std::string kind_;
};

/// A front door whose resume fails while `fail` is set (after the sign-in wrote what it writes).
class FlakyDoor final : public FrontDoor {
 public:
  std::string_view kind() const override { return "flaky"; }
  std::string display_name(std::string_view service) const override { return "Door flaky for " + std::string(service); }
  http::Response resume(const SignInTransaction&, const session::SsoSession&, const http::Request&) const override {
    if (fail) throw StorageError("the code could not be stored");
    http::Response r;
    r.status = 302;
    r.set("Location", "https://flaky.example/");
    return r;
  }
  bool fail = true;
};

/// The store's transactions, those named in `legacy` read as a node of 0.1.0 wrote them
/// (SignInTransaction::legacy_csrf), as the SQL stores read a row without a kind.
class LegacyMarkingStore final : public TransactionStore {
 public:
  explicit LegacyMarkingStore(TransactionStore& store) : store_(store) {}
  void insert(const SignInTransaction& tx) override { store_.insert(tx); }
  std::optional<SignInTransaction> find(const std::string& id, UnixSeconds now) override {
    auto tx = store_.find(id, now);
    if (tx && legacy.contains(id)) tx->legacy_csrf = true;
    return tx;
  }
  bool record_step(const SignInTransaction& after, std::string_view expected_amr, UnixSeconds now) override {
    return store_.record_step(after, expected_amr, now);
  }
  bool consume(const std::string& id) override { return store_.consume(id); }
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override { return store_.purge_expired(now, limit); }
  std::set<std::string> legacy;

 private:
  TransactionStore& store_;
};

class SignInTest : public ::testing::Test {
 protected:
  SignInTest()
      : backend_(storage::sqlite::SqliteOptions{":memory:", 2}),
        transactions_(backend_.login_transactions()),
        clock_(1'800'000'000),
        hasher_(kCheap),
        deps_{backend_.users(), hasher_, transactions_, backend_.sso_sessions(), clock_},
        sign_in_(deps_) {
    backend_.migrate();
    deps_.csrf_key = CsrfKey(jose::random_bytes(32));
    deps_.lockout = {3, 900, 900};
    deps_.on_sign_in = [this](const SignInEvent& e) { events_.push_back(std::string(e.outcome) + ":" + e.service); };
    sign_in_.add_front_door(oidc_);
    sign_in_.add_front_door(cas_);
    sign_in_.add_front_door(flaky_);
    add_user("u1", "ada", hasher_.hash(user::Password("correct horse")));
  }

  void add_user(const std::string& id, const std::string& name, const std::string& hash) {
    user::User u;
    u.id = id;
    u.username = name;
    u.password_hash = hash;
    ASSERT_EQ(backend_.users().insert(u), user::UserWriteResult::kOk);
  }

  /// Starts a transaction for `kind` and returns the form's tx and the CSRF cookie.
  std::pair<std::string, std::string> start(const std::string& kind, const std::string& payload, const std::string& service) {
    SignInTransaction tx;
    tx.continuation = {kind, payload};
    tx.service = service;
    http::Request get;
    get.method = "GET";
    auto r = sign_in_.start(tx, get);
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("Door " + kind + " for " + service), std::string::npos) << "the front door names the service";
    const auto body = r.body;
    auto field = [&](const std::string& name) {
      const auto at = body.find("name=\"" + name + "\" value=\"");
      EXPECT_NE(at, std::string::npos) << name;
      const auto start = at + name.size() + 15;
      return body.substr(start, body.find('"', start) - start);
    };
    return {field("tx"), field("csrf")};
  }

  http::Response post(const std::pair<std::string, std::string>& form, const std::string& user, const std::string& password,
                      const std::string& cookies = {}) {
    http::Request req;
    req.method = "POST";
    req.headers.push_back({"content-type", "application/x-www-form-urlencoded"});
    req.headers.push_back({"cookie", "gh_csrf=" + form.second + (cookies.empty() ? "" : "; " + cookies)});
    req.body = "tx=" + form.first + "&csrf=" + form.second + "&username=" + user + "&password=" + password;
    return sign_in_.login_endpoint(req);
  }

  static std::string session_cookie(const http::Response& r) {
    for (const auto& h : r.headers)
      if (h.name == "Set-Cookie" && h.value.starts_with("gh_session=")) return h.value.substr(0, h.value.find(';'));
    return {};
  }

  std::optional<session::SsoSession> session_of(const std::string& cookie) {
    http::Request req;
    req.headers.push_back({"cookie", cookie});
    return sign_in_.current_session(req);
  }

  storage::sqlite::SqliteBackend backend_;
  LegacyMarkingStore transactions_;
  FixedClock clock_;
  user::PasswordHasher hasher_;
  SignInDeps deps_;
  SignIn sign_in_;
  RecordingDoor oidc_{"oidc"};
  RecordingDoor cas_{"cas"};
  FlakyDoor flaky_;
  std::vector<std::string> events_;
};

TEST_F(SignInTest, ASignInThatFailsAfterItsFirstWritesLeavesNothingBehind) {
  deps_.units = &backend_.units();
  auto form = start("flaky", "p", "web");
  EXPECT_THROW(post(form, "ada", "correct+horse"), StorageError);
  const auto now = clock_.now();
  EXPECT_TRUE(backend_.sso_sessions().list_user("u1", now, 3600, 10).empty()) << "a session without its code";
  EXPECT_TRUE(backend_.login_transactions().find(form.first, now)) << "the transaction was consumed for nothing";
  flaky_.fail = false;
  auto r = post(form, "ada", "correct+horse");
  EXPECT_EQ(r.status, 302) << "the same form completes once the front door works";
  EXPECT_EQ(backend_.sso_sessions().list_user("u1", now, 3600, 10).size(), 1u);
  EXPECT_EQ(post(form, "ada", "correct+horse").status, 400) << "and only once";
}

TEST_F(SignInTest, AFinishedSignInResumesTheFrontDoorOfItsKind) {
  auto cas_form = start("cas", "service-ticket-request", "https://app.example/");
  auto oidc_form = start("oidc", "authorization-request", "web");
  auto r = post(cas_form, "ada", "correct+horse");
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(*r.header("Location"), "https://cas.example/service-ticket-request");
  ASSERT_EQ(cas_.resumed.size(), 1u);
  EXPECT_EQ(cas_.resumed[0].second, "u1");
  EXPECT_TRUE(oidc_.resumed.empty());
  r = post(oidc_form, "ada", "correct+horse");
  EXPECT_EQ(*r.header("Location"), "https://oidc.example/authorization-request");
  ASSERT_EQ(oidc_.resumed.size(), 1u);
  EXPECT_EQ(events_, (std::vector<std::string>{"success:https://app.example/", "success:web"}));
}

TEST_F(SignInTest, ATransactionCompletesOnceAndItsSessionRecordsTheService) {
  auto form = start("oidc", "p", "web");
  auto r = post(form, "ada", "correct+horse");
  ASSERT_EQ(r.status, 302);
  auto again = post(form, "ada", "correct+horse");
  EXPECT_EQ(again.status, 400) << "consumed exactly once";
  EXPECT_EQ(oidc_.resumed.size(), 1u);
  auto s = session_of(session_cookie(r));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->amr, "pwd");
  ASSERT_EQ(s->participants.size(), 1u);
  EXPECT_EQ(s->participants[0].protocol, "oidc");
  EXPECT_EQ(s->participants[0].service, "web");
  EXPECT_EQ(s->participants[0].at, clock_.now());
}

TEST_F(SignInTest, JoiningRecordsEachServiceOnceAndWritesOnlyForANewOne) {
  auto r = post(start("oidc", "p", "web"), "ada", "correct+horse");
  const auto cookie = session_cookie(r);
  clock_.advance(10);
  auto s = session_of(cookie);
  ASSERT_TRUE(s);
  sign_in_.join(*s, "oidc", "web");  // already there: no write
  EXPECT_FALSE(backend_.sso_sessions().add_participant(s->id_hash, {"oidc", "web", 0, ""}));
  sign_in_.join(*s, "oidc", "other");
  sign_in_.join(*s, "cas", "web");
  s = session_of(cookie);
  ASSERT_EQ(s->participants.size(), 3u);
  EXPECT_EQ(s->participants[1].service, "other");
  EXPECT_EQ(s->participants[1].at, clock_.now());
  EXPECT_EQ(s->participants[2].protocol, "cas");
  sign_in_.join(*s, "oidc", "other");
  EXPECT_EQ(session_of(cookie)->participants.size(), 3u);
}

TEST_F(SignInTest, APasswordStepLocksTheNameAfterTheThresholdEvenForTheRightPassword) {
  auto form = start("oidc", "p", "web");
  for (int i = 0; i < 2; ++i) {
    auto r = post(form, "ada", "wrong");
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("Invalid username or password."), std::string::npos);
  }
  auto r = post(form, "ADA", "wrong");
  EXPECT_NE(r.body.find("temporarily locked"), std::string::npos) << "the third failure locks the login name";
  r = post(form, "ada", "correct+horse");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("temporarily locked"), std::string::npos) << "refused while locked";
  EXPECT_EQ(events_, (std::vector<std::string>{"failure:web", "failure:web", "lockout:web", "locked:web"}));
  clock_.advance(901);
  r = post(start("oidc", "p", "web"), "ada", "correct+horse");
  EXPECT_EQ(r.status, 302) << "the lock ends";
}

TEST_F(SignInTest, AnUnknownUserFailsLikeAWrongPassword) {
  auto form = start("oidc", "p", "web");
  auto r = post(form, "nobody", "x");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("Invalid username or password."), std::string::npos);
  EXPECT_EQ(backend_.users().failed_logins("nobody").count, 1);
}

TEST_F(SignInTest, APasswordHashedWithOldParametersIsRehashedOnSignIn) {
  user::PasswordHasher old(kCheaper);
  add_user("u2", "bob", old.hash(user::Password("pw-of-bob")));
  ASSERT_TRUE(hasher_.needs_rehash(backend_.users().find("u2")->password_hash));
  PasswordStepDeps step{backend_.users(), hasher_, deps_.lockout, deps_.sources};
  auto ignore = [](const Attempt&) {};
  auto result = password_step(step, "bob", user::Password("pw-of-bob"), clock_.now(), ignore);
  ASSERT_TRUE(result.user);
  const auto stored = backend_.users().find("u2")->password_hash;
  EXPECT_FALSE(hasher_.needs_rehash(stored));
  EXPECT_TRUE(hasher_.verify(user::Password("pw-of-bob"), stored));
  EXPECT_FALSE(password_step(step, "bob", user::Password("other"), clock_.now(), ignore).user);
}

TEST_F(SignInTest, AFormFromAnotherBrowserFailsTheCsrfCheck) {
  auto form = start("oidc", "p", "web");
  auto other = start("oidc", "p", "web");
  http::Request req;
  req.method = "POST";
  req.headers.push_back({"content-type", "application/x-www-form-urlencoded"});
  req.headers.push_back({"cookie", "gh_csrf=" + issue_csrf_token(deps_.csrf_key, kLoginCsrf)});
  req.body = "tx=" + form.first + "&csrf=" + form.second + "&username=ada&password=correct+horse";
  auto r = sign_in_.login_endpoint(req);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("CSRF check failed"), std::string::npos);
  (void)other;
}

// A rolling upgrade from 0.1.0: its login form (the browser's own random token, its hash in a row
// without a kind) posted to a node of this release.
TEST_F(SignInTest, AFormANodeOfTheOldReleaseRenderedCompletesWithItsOwnTokenAndItsChecks) {
  auto old_form = [&](const std::string& id, const std::string& token) {
    SignInTransaction tx;
    tx.id = id;
    tx.csrf_hash = jose::sha256(token);
    tx.continuation = {"oidc", "p"};
    tx.service = "web";
    tx.created_at = clock_.now();
    tx.expires_at = clock_.now() + 900;
    backend_.login_transactions().insert(tx);
    return std::pair<std::string, std::string>{id, token};
  };
  const auto legacy = old_form("legacy", jose::random_token(32));  // as 0.1.0 made it: 43 characters
  // Read as this release's own row, the same unsigned token is refused.
  EXPECT_EQ(post(legacy, "ada", "correct+horse").status, 400);
  transactions_.legacy.insert("legacy");
  // Still bound to the browser: the form's token with another browser's cookie is refused.
  http::Request other_browser;
  other_browser.method = "POST";
  other_browser.headers.push_back({"content-type", "application/x-www-form-urlencoded"});
  other_browser.headers.push_back({"cookie", "gh_csrf=" + jose::random_token(32)});
  other_browser.body = "tx=legacy&csrf=" + legacy.second + "&username=ada&password=correct+horse";
  EXPECT_EQ(sign_in_.login_endpoint(other_browser).status, 400);
  // Shorter than 0.1.0 ever accepted: refused even with the cookie and the hash matching.
  const auto short_token = old_form("legacy-short", "abcdefghijklmnopqrstuvwxyz01234");
  transactions_.legacy.insert("legacy-short");
  EXPECT_EQ(post(short_token, "ada", "correct+horse").status, 400);
  // The old release's form as it was: completes, handed over to its front door.
  auto r = post(legacy, "ada", "correct+horse");
  EXPECT_EQ(r.status, 302) << r.body;
  ASSERT_EQ(oidc_.resumed.size(), 1u);
  EXPECT_EQ(oidc_.resumed[0], (std::pair<std::string, std::string>{"p", "u1"}));
}

}  // namespace
}  // namespace gatehouse::signin
