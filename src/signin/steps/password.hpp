#pragma once
// The password step (RFC 8176 "pwd"): lockout per login name, a constant-work check (an unknown
// user costs the same argon2id verification as a known one), failed sign-ins counted cluster-wide,
// and the hash upgraded on a successful sign-in when its parameters are out of date.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "user/identity_source.hpp"
#include "user/password_hasher.hpp"
#include "user/user_store.hpp"

namespace gatehouse::signin {

/// One attempt to sign in through the hosted form, for metrics and the audit trail. Never carries
/// the password.
struct SignInEvent {
  // "success" | "failure" | "lockout" (a failure that locked the name) | "locked" (refused while
  // locked) | "unavailable" (the identity source did not answer)
  std::string_view outcome;
  std::string user_id;       // "" when no active user has that name
  std::string login_name;    // as typed, normalised (user::login_name)
  std::string service;       // who asked (an OIDC client_id)
  std::string client_address;
  std::string source;        // the identity source that answered ("" = the local accounts)
  std::string_view reason;   // why a source refused, when it said ("password_expired", "disabled", ...)
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
  /// The directories, in the order they are asked after the local accounts (none: local only).
  const std::vector<user::IdentitySource*>& sources;
};

inline constexpr std::string_view kInvalidCredentials = "Invalid username or password.";
inline constexpr std::string_view kLocked =
    "This account is temporarily locked after too many failed sign-ins. Try again later.";
// What a directory says once the password was right (Active Directory gives these reasons only
// then), so they reveal nothing to someone guessing.
inline constexpr std::string_view kDisabled = "This account is disabled. Contact your administrator.";
inline constexpr std::string_view kPasswordExpired =
    "Your password has expired. Change it with your organisation's password service, then sign in again.";
inline constexpr std::string_view kMustChangePassword =
    "Your password must be changed before you can sign in. Change it with your organisation's password service, then sign in again.";
inline constexpr std::string_view kSourceUnavailable =
    "Signing in is not possible right now: the directory does not answer. Try again in a minute.";
inline constexpr std::string_view kAccountConflict =
    "This account cannot be signed in because its username or email belongs to another account. Contact your administrator.";

struct PasswordResult {
  std::optional<user::User> user;  // set when the password was right; password_hash as stored now (after a rehash)
  std::string_view message;        // for the form when it was not (kInvalidCredentials, kLocked, ...)
  int status = 200;                // of the form's page: 503 when a directory did not answer
};

/// What the step reports of an attempt: the outcome, the user (or ""), the source that answered
/// and its reason.
struct Attempt {
  std::string_view outcome;
  std::string user_id;
  std::string source;
  std::string_view reason;
};

/// Whether the directory still has a linked account's entry and lets it sign in (a first factor
/// that is not a password, a passkey, asks this: a user removed or disabled in the directory must
/// not go on signing in with one). kYes for a local account.
enum class StillThere { kYes, kNo, kUnavailable };
StillThere still_in_source(const std::vector<user::IdentitySource*>& sources, const user::User& u);

/// Checks `password` for `username` at `now`: the local account of that name, or the identity
/// source it is linked to, or (no account of that name) each source in turn until one knows the
/// name. A directory user gets (or refreshes) a linked local account. Lockout counts before any
/// source is asked. Failures (and refusals while locked) are reported through `report`; success is
/// left to the caller, which reports it once the sign-in is complete.
PasswordResult password_step(const PasswordStepDeps& deps, std::string_view username, const user::Password& password,
                             UnixSeconds now, const std::function<void(const Attempt&)>& report);

}  // namespace gatehouse::signin
