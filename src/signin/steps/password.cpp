#include "signin/steps/password.hpp"

#include "core/log.hpp"

namespace gatehouse::signin {

PasswordResult password_step(const PasswordStepDeps& deps, std::string_view username, const user::Password& password,
                             UnixSeconds now, const std::function<void(std::string_view, const std::string&)>& report) {
  // Failures count per login name, known or not, so the lock message reveals no usernames; an
  // unknown user costs the same password check as a real one.
  PasswordResult result;
  const auto name = user::login_name(username);
  if (deps.users.failed_logins(name).locked_until > now) {
    deps.passwords.verify_dummy(password);
    spdlog::info("sign-in refused: login name is locked");
    report("locked", {});
    result.message = kLocked;
    return result;
  }
  auto u = deps.users.find_by_username(std::string(username));
  bool ok = false;
  if (u && u->active && !u->password_hash.empty()) ok = deps.passwords.verify(password, u->password_hash);
  else deps.passwords.verify_dummy(password);
  if (!ok) {
    const auto& l = deps.lockout;
    auto f = deps.users.record_failed_login(name, now, l.window, l.threshold, l.duration);
    spdlog::info("sign-in failed ({} in the window){}", f.count,
                 u && u->active ? "" : " for an unknown or inactive user");
    report(f.locked_until > now ? "lockout" : "failure", u && u->active ? u->id : std::string());
    result.message = f.locked_until > now ? kLocked : kInvalidCredentials;
    return result;
  }
  deps.users.reset_failed_logins(name);
  if (deps.passwords.needs_rehash(u->password_hash)) {
    // The hash alone, and only while it is still the one just verified: a whole-row write from
    // this read could undo a deactivation or put back a password replaced meanwhile.
    // The user handed back carries the hash as stored now (a caller may compare-and-set on it).
    auto upgraded = deps.passwords.hash(password);
    if (deps.users.rehash_password(u->id, u->password_hash, upgraded)) u->password_hash = std::move(upgraded);
  }
  result.user = std::move(u);
  return result;
}

}  // namespace gatehouse::signin
