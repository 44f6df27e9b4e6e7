#pragma once
// The attributes an assertion releases (saml_attributes): each claim name the SP may have, mapped
// to its SAML attribute: the eduPerson and inetOrgPerson names (urn:oid, NameFormat uri, with the
// friendly name) that saml2int and the federations use, or, for a claim without one, the claim's
// own name with NameFormat basic. Thread safe.

#include <string>
#include <vector>

#include "saml/response.hpp"
#include "user/user.hpp"

namespace gatehouse::saml {

/// The user's attributes for the claim names in `released`, in their order, each SAML attribute
/// once: "username" and "preferred_username" are both uid, so when both are released uid comes
/// from preferred_username, in its place; a claim named twice counts once. A claim the user has no
/// value for is left out. Never fails.
std::vector<Attribute> released_attributes(const user::User& u, const std::vector<std::string>& released);

}  // namespace gatehouse::saml
