#pragma once
// The standard claims of the "profile" scope (OpenID Connect Core 1.0 §5.1, §5.4) that a User
// holds as text, listed once: the ID token and userinfo release them by claim name, the account
// page shows them by label. (updated_at, a number, and the email and phone claims, each with its
// _verified flag and its own scope, are not in the list: every reader treats them apart.)

#include <array>
#include <string>
#include <string_view>

#include "user/user.hpp"

namespace gatehouse::user {

struct ProfileClaim {
  std::string_view claim;      ///< its name in an ID token and a userinfo answer
  std::string_view label;      ///< how the account page names it ("" = not shown there)
  std::string User::*member;   ///< where a User keeps it
};

/// In the order the ID token and userinfo write them: that order is part of the bytes clients get.
inline constexpr std::array<ProfileClaim, 8> kProfileClaims{{
    {"name", "Name", &User::name},
    {"given_name", "Given name", &User::given_name},
    {"family_name", "Family name", &User::family_name},
    {"middle_name", "Middle name", &User::middle_name},
    {"nickname", "Nickname", &User::nickname},
    {"preferred_username", "Username", &User::username},
    {"picture", "", &User::picture},  // a URL, for applications to show; the page does not print it
    {"locale", "Locale", &User::locale},
}};

}  // namespace gatehouse::user
