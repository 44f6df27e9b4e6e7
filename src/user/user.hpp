#pragma once
// A user (resource owner), with OpenID Connect standard claim names (OIDC Core §5.1).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace gatehouse::user {

struct User {
  std::string id;                 // the OIDC "sub": random, stable, never reused
  std::string username;           // unique (case-insensitive); also preferred_username
  std::string email;              // unique (case-insensitive) when not empty
  bool email_verified = false;
  std::string name;
  std::string given_name;
  std::string family_name;
  std::string middle_name;
  std::string nickname;
  std::string picture;
  std::string locale;
  std::string phone_number;
  bool phone_number_verified = false;
  bool active = true;
  /// PHC string of an argon2id hash ("$argon2id$v=19$m=...,t=...,p=...$salt$hash"), empty when
  /// no password is set. Never returned by the API, never logged.
  std::string password_hash;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
  /// Optimistic concurrency: moved on by every change of the profile, `active` or the password set
  /// by an administrator; an update names the version it read (the admin API's ETag / If-Match).
  /// Not moved by the sign-in rehash, which changes nothing the API shows.
  std::int64_t version = 1;
  /// Tokens issued to the user before this time are no longer valid (a sign-out everywhere:
  /// password change, deactivation, an administrator's sign-out). 0 = none.
  UnixSeconds tokens_valid_after = 0;
  /// The identity source the account is linked to ([[identity_sources]] name; "" = a local
  /// account) and the directory entry's stable id there (entryUUID, objectGUID as hex). Set when
  /// the account is made at the first sign-in; never changed afterwards.
  std::string source;
  std::string external_id;
  /// The groups the source named at the last sign-in (sorted); empty for local accounts.
  std::vector<std::string> groups;

  bool linked() const { return !source.empty(); }
};

struct UserFilter {
  std::string username;  // exact, case-insensitive ("" = any)
  std::string email;     // exact, case-insensitive ("" = any)
};

/// The key failed sign-ins are counted under: the username in ASCII lower case.
inline std::string login_name(std::string_view username) {
  std::string out(username);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

struct UserPage {
  std::vector<User> items;
  std::size_t total = 0;
};

/// Failed sign-ins of one login name inside the current window (the lockout counter, kept in the
/// store so every node sees the same count).
struct FailedLogins {
  int count = 0;
  UnixSeconds window_started_at = 0;
  UnixSeconds locked_until = 0;  // 0 = not locked
};

}  // namespace gatehouse::user
