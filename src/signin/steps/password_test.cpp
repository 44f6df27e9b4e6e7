// The password step with identity sources (issue 16), against a real (in-memory SQLite) store and
// scripted sources: which source is asked, the linked account made and refreshed, the lockout
// counted before any source is asked, and what each refusal says.

#include "signin/steps/password.hpp"

#include <gtest/gtest.h>

#include "jose/openssl/crypto.hpp"
#include "storage/sqlite/sqlite_backend.hpp"

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
  Result<ExternalAccount, SourceRefusal> sign_in(std::string_view login, std::string_view password) override {
    asked.emplace_back(login);
    if (refuse_all) return unexpected(*refuse_all);
    auto it = users.find(std::string(login));
    if (it == users.end()) return unexpected(SourceRefusal::kUnknownUser);
    if (it->second.first != password) return unexpected(SourceRefusal::kWrongPassword);
    return it->second.second;
  }
  Result<ExternalAccount, SourceRefusal> find(std::string_view login) override {
    auto it = users.find(std::string(login));
    if (it == users.end()) return unexpected(SourceRefusal::kUnknownUser);
    return it->second.second;
  }
  void add(const std::string& login, const std::string& password, const std::string& id, std::vector<std::string> groups = {}) {
    users[login] = {password, ExternalAccount{.external_id = id, .username = login,
                                              .claims = {{"email", login + "@corp.test"}, {"name", "Name of " + login}},
                                              .email_verified = true, .groups = std::move(groups)}};
  }

  std::map<std::string, std::pair<std::string, ExternalAccount>> users;
  std::optional<SourceRefusal> refuse_all;
  std::vector<std::string> asked;

 private:
  std::string name_;
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

TEST_F(PasswordStepTest, WithoutSourcesOnlyLocalAccountsSignIn) {
  sources_.clear();
  EXPECT_FALSE(step("ada", "analytical-engine").user);
  EXPECT_TRUE(step("grace", "local password").user);
}

}  // namespace
}  // namespace gatehouse::signin
