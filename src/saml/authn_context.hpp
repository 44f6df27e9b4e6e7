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
/// The level a sign-in with `amr` (RFC 8176 values, space-separated) reached: 2 with "mfa", else 1.
int level_of(std::string_view amr);
/// Whether stating `authn_class` for a sign-in with `amr` would be true: Password and
/// PasswordProtectedTransport only when a password was one of its steps ("pwd": a passkey is not
/// a password); the others when their level is at most the one reached.
bool class_true_for(std::string_view authn_class, std::string_view amr);
/// The AuthnContextClassRef to state for a sign-in with `amr`: a requested class that is true of
/// it (class_true_for) and satisfies the comparison, else what it reached (MFA; with a password,
/// PasswordProtectedTransport; else REFEDS sfa). @returns nullopt for "exact" when no class asked
/// is true of the sign-in (the answer is then NoAuthnContext, never a class that did not happen).
std::optional<std::string> stated_class(const std::vector<std::string>& classes, std::string_view comparison,
                                        std::string_view amr);

}  // namespace gatehouse::saml
