// The password step with identity sources (issue 16), against a real (in-memory SQLite) store and
// scripted sources: which source is asked, the linked account made and refreshed, the lockout
// counted before any source is asked, and what each refusal says.

#include "signin/steps/password.hpp"

#include <functional>
#include <utility>

#include <gtest/gtest.h>

#include "jose/openssl/crypto.hpp"
#include "storage/sqlite/sqlite_backend.hpp"
#include "user/linked_accounts.hpp"

namespace gatehouse::signin {
namespace {

using user::ExternalAccount;
using user::SourceRefusal;

constexpr user::Argon2Params kCheap{256, 1, 1};

/// A directory that knows some users and passwords, or refuses everything with one reason.
class ScriptedSource final : public user::IdentitySource {
 public:
  explicit ScriptedSource(std::string name) : name_(std::move(name)) {}
  const std::string& name() const override { return name_; }
  /// As a directory matches a name: case and surrounding spaces do not count.
  static std::string matching(std::string_view login) {
    std::string out;
    for (char c : login)
      if (c != ' ') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  }
  Result<ExternalAccount, SourceRefusal> sign_in(std::string_view login, std::string_view password,
                                                 const user::BeforeBind& before_bind) override {
    asked.emplace_back(login);
    if (refuse_all) return unexpected(*refuse_all);
    auto it = users.find(matching(login));
    if (it == users.end()) return unexpected(SourceRefusal::kUnknownUser);
    if (before_bind && !before_bind(it->second.second)) return unexpected(SourceRefusal::kLocked);
    ++binds;
    if (it->second.first != password) return unexpected(SourceRefusal::kWrongPassword);
    return it->second.second;
  }
  Result<ExternalAccount, SourceRefusal> find(std::string_view external_id) override {
    for (const auto& [login, entry] : users)
      if (entry.second.external_id == external_id) return entry.second;
    return unexpected(SourceRefusal::kUnknownUser);
  }
  void add(const std::string& login, const std::string& password, const std::string& id, std::vector<std::string> groups = {}) {
    users[login] = {password, ExternalAccount{.external_id = id, .username = login,
                                              .claims = {{"email", login + "@corp.test"}, {"name", "Name of " + login}},
                                              .email_verified = true, .groups = std::move(groups)}};
  }

  std::map<std::string, std::pair<std::string, ExternalAccount>> users;
  std::optional<SourceRefusal> refuse_all;
  std::vector<std::string> asked;
  int binds = 0;

 private:
  std::string name_;
};

/// A store whose first find_linked() misses: what a node sees when another node inserts the same
/// account between its lookup and its insert.
class RacedStore final : public user::UserStore {
 public:
  RacedStore(user::UserStore& inner, std::function<void()> meanwhile) : inner_(inner), meanwhile_(std::move(meanwhile)) {}
  std::optional<user::User> find_linked(const std::string& source, const std::string& id) override {
    if (meanwhile_) {
      std::exchange(meanwhile_, nullptr)();
      return std::nullopt;
    }
    return inner_.find_linked(source, id);
  }
  std::optional<user::User> find(const std::string& id) override { return inner_.find(id); }
  std::optional<user::User> find_by_username(const std::string& n) override { return inner_.find_by_username(n); }
  user::UserPage list(const user::UserFilter& f, std::size_t o, std::size_t l) override { return inner_.list(f, o, l); }
  user::UserWriteResult insert(const user::User& u) override { return inner_.insert(u); }
  user::UserWriteResult update(const user::User& u) override { return inner_.update(u); }
  user::UserWriteResult refresh_linked(const user::User& u) override { return inner_.refresh_linked(u); }
  bool set_password_hash(const std::string& i, const std::string& h, UnixSeconds t) override { return inner_.set_password_hash(i, h, t); }
  bool rehash_password(const std::string& i, const std::string& o, const std::string& n) override { return inner_.rehash_password(i, o, n); }
  bool change_password_hash(const std::string& i, const std::string& o, const std::string& n, UnixSeconds t) override {
    return inner_.change_password_hash(i, o, n, t);
  }
  bool revoke_tokens_before(const std::string& i, UnixSeconds t) override { return inner_.revoke_tokens_before(i, t); }
  bool remove(const std::string& i) override { return inner_.remove(i); }
  user::FailedLogins record_failed_login(const std::string& n, UnixSeconds t, UnixSeconds w, int th, UnixSeconds l) override {
    return inner_.record_failed_login(n, t, w, th, l);
  }
  user::FailedLogins failed_logins(const std::string& n) override { return inner_.failed_logins(n); }
  void reset_failed_logins(const std::string& n) override { inner_.reset_failed_logins(n); }
  std::size_t purge_failed_logins(UnixSeconds o, std::size_t l) override { return inner_.purge_failed_logins(o, l); }

 private:
  user::UserStore& inner_;
  std::function<void()> meanwhile_;
};

class PasswordStepTest : public ::testing::Test {
 protected:
  PasswordStepTest() : backend_(storage::sqlite::SqliteOptions{":memory:", 2}), hasher_(kCheap) {
    backend_.migrate();
    user::User local;
    local.id = "local-1";
    local.username = "grace";
    local.password_hash = hasher_.hash(user::Password("local password"));
    EXPECT_EQ(backend_.users().insert(local), user::UserWriteResult::kOk);
    corp_.add("ada", "analytical-engine", "uuid-ada", {"admins", "engineers"});
    corp_.add("grace", "directory password", "uuid-grace");
    other_.add("ada", "other-ada-password", "other-uuid-ada");
    other_.add("linus", "kernel", "uuid-linus");
  }

  PasswordResult step(std::string_view name, const std::string& password) {
    return password_step({backend_.users(), hasher_, lockout_, sources_}, name, user::Password(password), now_,
                         [this](const Attempt& a) { attempts_.push_back(a); });
  }

  storage::sqlite::SqliteBackend backend_;
  user::PasswordHasher hasher_;
  LockoutPolicy lockout_{3, 900, 900};
  UnixSeconds now_ = 1'800'000'000;
  ScriptedSource corp_{"corp"};
  ScriptedSource other_{"other"};
  std::vector<user::IdentitySource*> sources_{&corp_, &other_};
  std::vector<Attempt> attempts_;
};

TEST_F(PasswordStepTest, ADirectoryUserGetsALinkedAccountWithTheDirectorysProfileAndGroups) {
  auto r = step("ada", "analytical-engine");
  ASSERT_TRUE(r.user) << r.message;
  EXPECT_EQ(r.user->source, "corp");
  EXPECT_EQ(r.user->external_id, "uuid-ada");
  EXPECT_EQ(r.user->email, "ada@corp.test");
  EXPECT_TRUE(r.user->email_verified);
  EXPECT_EQ(r.user->name, "Name of ada");
  EXPECT_EQ(r.user->groups, (std::vector<std::string>{"admins", "engineers"}));
  EXPECT_TRUE(r.user->password_hash.empty()) << "never a password for a directory's user";
  const auto stored = backend_.users().find_by_username("ada");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->id, r.user->id);
  EXPECT_EQ(other_.asked.size(), 0u) << "the first source that knows the name answers";

  // The next sign-in refreshes the same account from the directory.
  corp_.users["ada"].second.groups = {"engineers"};
  corp_.users["ada"].second.claims["name"] = "Ada King";
  auto again = step("ada", "analytical-engine");
  ASSERT_TRUE(again.user);
  EXPECT_EQ(again.user->id, r.user->id);
  EXPECT_EQ(backend_.users().find(r.user->id)->name, "Ada King");
  EXPECT_EQ(backend_.users().find(r.user->id)->groups, std::vector<std::string>{"engineers"});
}

TEST_F(PasswordStepTest, ALocalAccountIsCheckedLocallyAndNoDirectoryIsAsked) {
  ASSERT_TRUE(step("grace", "local password").user);
  EXPECT_FALSE(step("grace", "directory password").user) << "a local account's name is not a directory's";
  EXPECT_TRUE(corp_.asked.empty());
  EXPECT_TRUE(other_.asked.empty());
}

TEST_F(PasswordStepTest, AWrongPasswordIsNeverTriedAtTheNextSource) {
  auto r = step("ada", "other-ada-password");
  EXPECT_FALSE(r.user);
  EXPECT_EQ(r.message, kInvalidCredentials);
  EXPECT_TRUE(other_.asked.empty()) << "two directories with one name would each accept their own user";
  ASSERT_EQ(attempts_.size(), 1u);
  EXPECT_EQ(attempts_[0].outcome, "failure");
  EXPECT_EQ(attempts_[0].source, "corp");
  EXPECT_EQ(attempts_[0].reason, "wrong_password");
  // A name the first does not know goes on to the next.
  ASSERT_TRUE(step("linus", "kernel").user);
  EXPECT_EQ(backend_.users().find_by_username("linus")->source, "other");
}

TEST_F(PasswordStepTest, ALinkedAccountIsCheckedByItsOwnSourceOnly) {
  ASSERT_TRUE(step("linus", "kernel").user);
  corp_.add("linus", "corp-linus", "corp-uuid-linus");
  corp_.asked.clear();
  EXPECT_TRUE(step("linus", "kernel").user);
  EXPECT_TRUE(corp_.asked.empty()) << "linked to other: corp is not asked although it comes first";
  EXPECT_FALSE(step("linus", "corp-linus").user);
}

TEST_F(PasswordStepTest, AUserRemovedFromTheDirectoryCanNoLongerSignIn) {
  auto first = step("ada", "analytical-engine");
  ASSERT_TRUE(first.user);
  corp_.users.erase("ada");
  auto r = step("ada", "analytical-engine");
  EXPECT_FALSE(r.user);
  EXPECT_EQ(r.message, kInvalidCredentials);
  EXPECT_TRUE(other_.asked.empty()) << "the account is corp's: other's ada is someone else";
  // An account an administrator deactivated stays out, whatever the directory says.
  corp_.add("ada", "analytical-engine", "uuid-ada");
  auto u = *backend_.users().find(first.user->id);
  u.active = false;
  ASSERT_EQ(backend_.users().update(u), user::UserWriteResult::kOk);
  EXPECT_FALSE(step("ada", "analytical-engine").user);
}

TEST_F(PasswordStepTest, TheLockIsCheckedBeforeAnyDirectoryIsAsked) {
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(step("ada", "guess").user);
  EXPECT_EQ(corp_.asked.size(), 3u);
  auto r = step("ada", "analytical-engine");
  EXPECT_FALSE(r.user);
  EXPECT_EQ(r.message, kLocked);
  EXPECT_EQ(corp_.asked.size(), 3u) << "a locked name never reaches the directory";
}

TEST_F(PasswordStepTest, EachRefusalOfTheDirectorySaysWhatItMeans) {
  const std::pair<SourceRefusal, std::string_view> cases[] = {
      {SourceRefusal::kPasswordExpired, kPasswordExpired},
      {SourceRefusal::kMustChangePassword, kMustChangePassword},
      {SourceRefusal::kDisabled, kDisabled},
      {SourceRefusal::kLocked, kLocked},
      {SourceRefusal::kUnavailable, kSourceUnavailable},
      {SourceRefusal::kMisconfigured, kSourceUnavailable},
  };
  for (const auto& [refusal, message] : cases) {
    corp_.refuse_all = refusal;
    auto r = step("ada", "analytical-engine");
    EXPECT_FALSE(r.user);
    EXPECT_EQ(r.message, message);
    EXPECT_EQ(r.status, message == kSourceUnavailable ? 503 : 200);
  }
  EXPECT_EQ(backend_.users().failed_logins("ada").count, 0) << "none of these is a wrong password";
  EXPECT_TRUE(other_.asked.empty()) << "an unavailable first source is not a reason to ask the next about its user";
  EXPECT_FALSE(backend_.users().find_by_username("ada")) << "no account without a yes";
}

TEST_F(PasswordStepTest, AUsernameThatALocalAccountHoldsIsNotTakenOver) {
  corp_.add("carol", "pw-carol", "uuid-carol");
  corp_.users["carol"].second.username = "grace";  // the directory's username attribute says "grace"
  auto r = step("carol", "pw-carol");
  EXPECT_FALSE(r.user);
  EXPECT_EQ(r.message, kAccountConflict);
  EXPECT_EQ(backend_.users().find_by_username("grace")->id, "local-1");
}

TEST_F(PasswordStepTest, EverySpellingOfADirectoryNameCountsTowardsTheSameLock) {
  // The directory matches "Ada ", " ada" and "ADA" to one entry: each spelling has its own counter
  // in Gatehouse, and the entry's own name counts them all.
  for (const char* name : {"ada", "Ada ", " ada"}) EXPECT_FALSE(step(name, "guess").user);
  const int binds = corp_.binds;
  auto r = step("ADA  ", "analytical-engine");
  EXPECT_FALSE(r.user) << "locked as ada, whatever the spelling";
  EXPECT_EQ(r.message, kLocked);
  EXPECT_EQ(corp_.binds, binds) << "the password never reached the directory";
  EXPECT_EQ(attempts_.back().outcome, "locked");
}

TEST_F(PasswordStepTest, TwoFirstSignInsOfOneUserMakeOneAccount) {
  // Another node made the account between this sign-in's lookup and its insert: the insert is
  // refused for the username (checked before the link), and the account is found the second time.
  auto a = corp_.users["ada"].second;
  ASSERT_TRUE(user::link_account(backend_.users(), "corp", a, now_));
  auto r = step("ada", "analytical-engine");
  ASSERT_TRUE(r.user) << r.message;
  EXPECT_EQ(backend_.users().list({}, 0, 10).total, 2u) << "grace and ada, once";
  // The race itself: the other node inserts between this one's lookup and its insert, which the
  // store refuses for the username before it looks at the link.
  ASSERT_TRUE(backend_.users().remove(r.user->id));
  std::string elsewhere;
  RacedStore raced(backend_.users(), [&] { elsewhere = user::link_account(backend_.users(), "corp", a, now_)->id; });
  auto again = user::link_account(raced, "corp", a, now_);
  ASSERT_TRUE(again) << again.error();
  EXPECT_EQ(again->id, elsewhere);
}

TEST_F(PasswordStepTest, AnEmailALocalAccountHoldsIsNotTakenOver) {
  user::User local;
  local.id = "local-2";
  local.username = "mallory";
  local.email = "ada@corp.test";
  ASSERT_EQ(backend_.users().insert(local), user::UserWriteResult::kOk);
  auto r = step("ada", "analytical-engine");
  EXPECT_FALSE(r.user);
  EXPECT_EQ(r.message, kAccountConflict);
}

TEST_F(PasswordStepTest, ANameLinkedToAnotherEntryIsRefusedNotReassigned) {
  ASSERT_TRUE(step("ada", "analytical-engine").user);
  corp_.users["ada"].second.external_id = "uuid-of-a-new-ada";  // the directory's "ada" is someone else now
  auto r = step("ada", "analytical-engine");
  EXPECT_FALSE(r.user);
  EXPECT_EQ(r.message, kAccountConflict);
  EXPECT_EQ(attempts_.back().reason, "linked_to_another_entry");
  EXPECT_EQ(backend_.users().find_by_username("ada")->external_id, "uuid-ada");
}

TEST_F(PasswordStepTest, APasskeyOfADirectorysUserAsksWhetherTheEntryIsStillThere) {
  ASSERT_TRUE(step("ada", "analytical-engine").user);
  const auto ada = *backend_.users().find_by_username("ada");
  EXPECT_EQ(still_in_source(sources_, ada), StillThere::kYes);
  EXPECT_EQ(still_in_source(sources_, *backend_.users().find("local-1")), StillThere::kYes) << "a local account";
  corp_.users.erase("ada");
  EXPECT_EQ(still_in_source(sources_, ada), StillThere::kNo);
  EXPECT_EQ(still_in_source({&other_}, ada), StillThere::kNo) << "its source is no longer configured";
}

TEST_F(PasswordStepTest, WithoutSourcesOnlyLocalAccountsSignIn) {
  sources_.clear();
  EXPECT_FALSE(step("ada", "analytical-engine").user);
  EXPECT_TRUE(step("grace", "local password").user);
}

}  // namespace
}  // namespace gatehouse::signin
