#pragma once
// The standard claims of the "profile" scope (OpenID Connect Core 1.0 §5.1, §5.4) that a User
// holds as text, listed once: the ID token and userinfo release them by claim name, the account
// page shows them by label. (updated_at, a number, and the email and phone claims, each with its
// _verified flag and its own scope, are not in the list: every reader treats them apart.)

#include <array>
#include <string>
#include <string_view>
#include <vector>

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

/// A user's values of a claim name, as CAS and SAML release them (cas_attributes,
/// saml_attributes): "sub", "username" (or "preferred_username"), "email", "email_verified",
/// "phone_number", "phone_number_verified", the profile claims and "groups" (one value per group
/// an identity source named); none for an empty value or a name that is not a user claim.
inline std::vector<std::string> claim_values(const User& u, std::string_view name) {
  const auto one = [](const std::string& v) { return v.empty() ? std::vector<std::string>{} : std::vector<std::string>{v}; };
  const auto boolean = [](bool b) { return std::vector<std::string>{b ? "true" : "false"}; };
  if (name == "sub") return one(u.id);
  if (name == "username") return one(u.username);
  if (name == "email") return one(u.email);
  if (name == "email_verified") return boolean(u.email_verified);
  if (name == "phone_number") return one(u.phone_number);
  if (name == "phone_number_verified") return boolean(u.phone_number_verified);
  if (name == "groups") return u.groups;
  for (const auto& claim : kProfileClaims)
    if (claim.claim == name) return one(u.*claim.member);
  return {};
}

}  // namespace gatehouse::user
