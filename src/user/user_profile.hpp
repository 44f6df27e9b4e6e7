#pragma once
// Users in and out of JSON (admin API, kickstart files), with OIDC standard claim names, and
// their validation. Passwords are accepted in, hashed by the caller, and never written out.

#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "core/result.hpp"
#include "core/secret.hpp"
#include "user/password_hasher.hpp"
#include "user/user.hpp"

namespace gatehouse::user {

struct ProfileError {
  std::string field;    // the JSON member at fault
  std::string message;  // safe to show
};

struct ProfileDraft {
  User user;                            // id, password_hash and times not set
  std::optional<Password> password;  // the "password" member, if given and allowed
  /// The "totp_secret" member (a TOTP seed exported by another system, in base32), decoded; the
  /// caller stores it (mfa::Factors::import_totp) once the user exists. Never written out.
  std::optional<TotpSeed> totp_seed;
};

struct ProfileRules {
  bool allow_password = true;  // false for PUT (passwords change through their own endpoint)
  int min_password_length = 8;
};

/// Validates a user document. Unknown members are refused; username is required. The read-only
/// members the API returns (id, created_at, updated_at, locked_until, has_password) are accepted
/// and ignored, so a document read with GET can be edited and sent back with PUT. "totp_secret"
/// must be base32 (RFC 4648, any case, spaces and padding allowed) of a seed of 10 to 64 bytes.
Result<ProfileDraft, ProfileError> parse_profile(const boost::json::object& doc, const ProfileRules& rules);

/// Checks a new password against the rules. @returns an error message, or "" when acceptable.
std::string password_problem(std::string_view password, int min_length);

/// The user as JSON, without the password hash. locked_until is included when the account is locked.
boost::json::object to_json(const User& user, UnixSeconds locked_until = 0);

}  // namespace gatehouse::user
