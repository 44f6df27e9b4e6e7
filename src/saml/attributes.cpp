#include "saml/attributes.hpp"

#include <algorithm>
#include <string_view>

#include "user/profile_claims.hpp"

namespace gatehouse::saml {
namespace {

struct AttributeName {
  std::string_view claim;
  std::string_view oid;
  std::string_view friendly;
};
constexpr AttributeName kAttributeNames[] = {
    {"username", "urn:oid:0.9.2342.19200300.100.1.1", "uid"},
    {"preferred_username", "urn:oid:0.9.2342.19200300.100.1.1", "uid"},
    {"email", "urn:oid:0.9.2342.19200300.100.1.3", "mail"},
    {"name", "urn:oid:2.16.840.1.113730.3.1.241", "displayName"},
    {"given_name", "urn:oid:2.5.4.42", "givenName"},
    {"family_name", "urn:oid:2.5.4.4", "sn"},
    {"nickname", "urn:oid:1.3.6.1.4.1.5923.1.1.1.2", "eduPersonNickname"},
    {"phone_number", "urn:oid:2.5.4.20", "telephoneNumber"},
    {"locale", "urn:oid:2.16.840.1.113730.3.1.39", "preferredLanguage"},
    {"groups", "urn:oid:1.3.6.1.4.1.5923.1.5.1.1", "isMemberOf"},
};

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

std::vector<Attribute> released_attributes(const user::User& u, const std::vector<std::string>& released) {
  const bool preferred = contains(released, "preferred_username");
  std::vector<Attribute> out;
  for (const auto& claim : released) {
    if (claim == "username" && preferred) continue;  // the same uid: preferred_username's wins
    auto values = user::claim_values(u, claim);
    if (values.empty()) continue;
    Attribute a{claim, "", std::move(values), kAttrNameFormatBasic};
    for (const auto& known : kAttributeNames)
      if (known.claim == claim) a = {std::string(known.oid), std::string(known.friendly), std::move(a.values)};
    const bool already = std::any_of(out.begin(), out.end(), [&](const Attribute& o) { return o.name == a.name; });
    if (!already) out.push_back(std::move(a));
  }
  return out;
}

}  // namespace gatehouse::saml
