#pragma once
// RequestedAuthnContext (SAML core §3.3.2.2.1) mapped onto the sign-in domain's two assurance
// levels: 1, single factor (a password; REFEDS sfa, PasswordProtectedTransport, Password,
// unspecified), and 2, multi-factor (REFEDS mfa). A class outside these is one Gatehouse cannot state.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::saml {

/// 1 or 2 for a class Gatehouse can state; 0 for any other.
int class_level(std::string_view authn_class);
/// The level a sign-in must reach for the request; nullopt when no sign-in could satisfy it
/// (the answer is the NoAuthnContext status). No classes: 1.
std::optional<int> required_level(const std::vector<std::string>& classes, std::string_view comparison);
/// The AuthnContextClassRef to state for a sign-in that reached `reached`: a requested class that
/// the sign-in satisfies under the comparison, else the class of what it reached.
std::string stated_class(const std::vector<std::string>& classes, std::string_view comparison, int reached);

}  // namespace gatehouse::saml
