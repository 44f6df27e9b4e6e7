#pragma once
// The password step (RFC 8176 "pwd"): lockout per login name, a constant-work check (an unknown
// user costs the same argon2id verification as a known one), failed sign-ins counted cluster-wide,
// and the hash upgraded on a successful sign-in when its parameters are out of date.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "user/password_hasher.hpp"
#include "user/user_store.hpp"

namespace gatehouse::signin {

/// One attempt to sign in through the hosted form, for metrics and the audit trail. Never carries
/// the password.
struct SignInEvent {
  std::string_view outcome;  // "success" | "failure" | "lockout" (a failure that locked the name) | "locked" (refused while locked)
  std::string user_id;       // "" when no active user has that name
  std::string login_name;    // as typed, normalised (user::login_name)
  std::string service;       // who asked (an OIDC client_id)
  std::string client_address;
};

struct LockoutPolicy {
  int threshold = 5;
  UnixSeconds window = 900;
  UnixSeconds duration = 900;
};

struct PasswordStepDeps {
  user::UserStore& users;
  const user::PasswordHasher& passwords;
  LockoutPolicy lockout;
};

inline constexpr std::string_view kInvalidCredentials = "Invalid username or password.";
inline constexpr std::string_view kLocked =
    "This account is temporarily locked after too many failed sign-ins. Try again later.";

struct PasswordResult {
  std::optional<user::User> user;  // set when the password was right; password_hash as stored now (after a rehash)
  std::string_view message;        // for the form when it was not: kInvalidCredentials or kLocked
};

/// Checks `password` for `username` at `now`. Failures (and refusals while locked) are reported
/// through `report(outcome, user_id)`; success is left to the caller, which reports it once the
/// sign-in is complete.
PasswordResult password_step(const PasswordStepDeps& deps, std::string_view username, const user::Password& password,
                             UnixSeconds now, const std::function<void(std::string_view, const std::string&)>& report);

}  // namespace gatehouse::signin
