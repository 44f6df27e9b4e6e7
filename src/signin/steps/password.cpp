#include "signin/steps/password.hpp"

#include "core/log.hpp"
#include "user/linked_accounts.hpp"

namespace gatehouse::signin {
namespace {

using user::SourceRefusal;

struct Step {
  const PasswordStepDeps& deps;
  std::string_view username;
  const user::Password& password;
  UnixSeconds now;
  const std::function<void(const Attempt&)>& report;
  std::string name = user::login_name(username);
  /// The login name of the directory entry the name typed found (its username), when it differs
  /// from `name`: "Ada ", "ADA" or a UPN count and lock as the account's own name too.
  std::string entry_name = {};
  bool held = false;  // the entry's name is locked: the source was not asked to bind

  /// A wrong password or an unknown name: counted, and the lock message once the count locks it.
  PasswordResult failed(const std::string& user_id, const std::string& source = {}, std::string_view reason = {}) const {
    const auto& l = deps.lockout;
    auto f = deps.users.record_failed_login(name, now, l.window, l.threshold, l.duration);
    if (!entry_name.empty()) {
      auto g = deps.users.record_failed_login(entry_name, now, l.window, l.threshold, l.duration);
      if (g.locked_until > f.locked_until) f = g;
    }
    spdlog::info("sign-in failed ({} in the window){}", f.count, user_id.empty() ? " for an unknown or inactive user" : "");
    report({f.locked_until > now ? "lockout" : "failure", user_id, source, reason});
    return {std::nullopt, f.locked_until > now ? kLocked : kInvalidCredentials};
  }

  /// Asked by a source before it binds: the entry's own name may be locked although the name typed is not.
  bool may_bind(const user::ExternalAccount& who) {
    const auto own = user::login_name(who.username);
    if (own.empty() || own == name) return true;
    entry_name = own;
    held = deps.users.failed_logins(own).locked_until > now;
    return !held;
  }

  PasswordResult local(std::optional<user::User> u) const {
    bool ok = false;
    if (u && u->active && !u->password_hash.empty()) ok = deps.passwords.verify(password, u->password_hash);
    else deps.passwords.verify_dummy(password);
    if (!ok) return failed(u && u->active ? u->id : std::string());
    deps.users.reset_failed_logins(name);
    if (deps.passwords.needs_rehash(u->password_hash)) {
      // The hash alone, and only while it is still the one just verified: a whole-row write from
      // this read could undo a deactivation or put back a password replaced meanwhile.
      // The user handed back carries the hash as stored now (a caller may compare-and-set on it).
      auto upgraded = deps.passwords.hash(password);
      if (deps.users.rehash_password(u->id, u->password_hash, upgraded)) u->password_hash = std::move(upgraded);
    }
    return {std::move(u), {}};
  }

  /// What a source's refusal means for the form. Every refusal that is not "no answer" costs an
  /// argon2id check as well, so that an unknown name, a wrong password and a local account take
  /// about as long (only the directory's own round trips differ).
  PasswordResult refused(SourceRefusal r, const std::string& source, const std::string& user_id) const {
    if (r != SourceRefusal::kUnavailable && r != SourceRefusal::kMisconfigured) deps.passwords.verify_dummy(password);
    if (held) {
      report({"locked", user_id, source, {}});
      return {std::nullopt, kLocked};
    }
    const auto say = [&](std::string_view outcome, std::string_view reason, std::string_view message, int status = 200) {
      report({outcome, user_id, source, reason});
      return PasswordResult{std::nullopt, message, status};
    };
    switch (r) {
      case SourceRefusal::kUnknownUser: return failed(user_id, source, "unknown_user");
      case SourceRefusal::kWrongPassword: return failed(user_id, source, "wrong_password");
      case SourceRefusal::kLocked: return say("locked", "locked_in_directory", kLocked);
      case SourceRefusal::kDisabled: return say("failure", "disabled", kDisabled);
      case SourceRefusal::kPasswordExpired: return say("failure", "password_expired", kPasswordExpired);
      case SourceRefusal::kMustChangePassword: return say("failure", "must_change_password", kMustChangePassword);
      case SourceRefusal::kMisconfigured: return say("unavailable", "misconfigured", kSourceUnavailable, 503);
      case SourceRefusal::kUnavailable: break;
    }
    return say("unavailable", "unavailable", kSourceUnavailable, 503);
  }

  /// The source said yes: the linked account, made or refreshed, unless an administrator
  /// deactivated it here.
  PasswordResult accepted(user::IdentitySource& source, const user::ExternalAccount& a, const std::optional<user::User>& by_name) const {
    if (by_name && by_name->linked() && by_name->external_id != a.external_id) {
      spdlog::warn("sign-in refused: the account {} is linked to another entry of {} than the one named {} now; "
                   "rename or remove the account", by_name->id, source.name(), name);
      report({"failure", by_name->id, source.name(), "linked_to_another_entry"});
      return {std::nullopt, kAccountConflict};
    }
    auto linked = user::link_account(deps.users, source.name(), a, now);
    if (!linked) {
      spdlog::warn("sign-in refused: {}", linked.error());
      report({"failure", {}, source.name(), "account_conflict"});
      return {std::nullopt, kAccountConflict};
    }
    if (!linked->active) {
      deps.passwords.verify_dummy(password);
      return failed({}, source.name(), "inactive");
    }
    deps.users.reset_failed_logins(name);
    if (!entry_name.empty()) deps.users.reset_failed_logins(entry_name);
    return {std::move(*linked), {}};
  }
};

}  // namespace

StillThere still_in_source(const std::vector<user::IdentitySource*>& sources, const user::User& u) {
  if (!u.linked()) return StillThere::kYes;
  for (auto* source : sources) {
    if (source->name() != u.source) continue;
    auto entry = source->find(u.external_id);
    if (entry) return StillThere::kYes;
    // A source without a service account cannot read the entry: only its password says yes.
    if (entry.error() == SourceRefusal::kUnavailable) return StillThere::kUnavailable;
    return StillThere::kNo;
  }
  return StillThere::kNo;  // its source is no longer configured
}

PasswordResult password_step(const PasswordStepDeps& deps, std::string_view username, const user::Password& password,
                             UnixSeconds now, const std::function<void(const Attempt&)>& report) {
  // Failures count per login name, known or not, so the lock message reveals no usernames; an
  // unknown user costs the same password check as a real one. The lock is checked before any
  // directory is asked: guessing through Gatehouse never reaches (or locks) the directory.
  Step step{deps, username, password, now, report};
  if (deps.users.failed_logins(step.name).locked_until > now) {
    deps.passwords.verify_dummy(password);
    spdlog::info("sign-in refused: login name is locked");
    report({"locked", {}, {}, {}});
    return {std::nullopt, kLocked};
  }
  auto u = deps.users.find_by_username(std::string(username));
  if (!u || !u->linked()) {
    if (u || deps.sources.empty()) return step.local(std::move(u));
  }
  // An account linked to a source is checked by that source only; a name without an account by
  // each source in order until one knows it (never "the next one after a wrong password": two
  // directories with the same name would each accept their own user).
  const std::string user_id = u ? u->id : std::string();
  for (auto* source : deps.sources) {
    if (u && source->name() != u->source) continue;
    auto r = source->sign_in(username, password.reveal(), [&step](const user::ExternalAccount& who) { return step.may_bind(who); });
    if (r) return step.accepted(*source, *r, u);
    if (r.error() != SourceRefusal::kUnknownUser || u) return step.refused(r.error(), source->name(), user_id);
  }
  if (u) spdlog::warn("sign-in refused: the account {} is linked to identity source {}, which is not configured", u->id, u->source);
  deps.passwords.verify_dummy(password);
  return step.failed(user_id);
}

}  // namespace gatehouse::signin
