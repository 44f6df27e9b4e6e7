#pragma once
// Internal to client/: the check of a list of claim names to release (cas_attributes,
// saml_attributes), shared by cas_members.cpp and saml_members.cpp.

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

#include <boost/json.hpp>

namespace gatehouse::client {

inline constexpr std::size_t kMaxClaimName = 100;

/// A claim name that is also a valid XML element name (it becomes <cas:name> in CAS 3 answers) and
/// usable as a SAML attribute's friendly name: 1 to kMaxClaimName characters A-Z a-z 0-9 _ - .,
/// starting with a letter or _.
inline bool claim_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxClaimName) return false;
  const auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!letter(name.front())) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return letter(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; });
}

/// An array of at most `max_count` claim names. @returns an error message, or "".
inline std::string check_claim_names(const boost::json::value& v, std::size_t max_count) {
  if (!v.is_array() || v.get_array().size() > max_count)
    return "must be an array of at most " + std::to_string(max_count) + " claim names";
  for (const auto& name : v.get_array())
    if (!name.is_string() || !claim_name(name.get_string()))
      return "must contain claim names of 1 to " + std::to_string(kMaxClaimName) +
             " characters A-Z a-z 0-9 _ - . starting with a letter or _";
  return "";
}

}  // namespace gatehouse::client
