#pragma once
// The SAML 2.0 names Gatehouse speaks (core, bindings, profiles) and the small pieces every SAML
// message needs: instants (xs:dateTime in UTC), message IDs, text escaped for XML.

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/time_format.hpp"  // iso8601: the instants written (xs:dateTime in UTC)

namespace gatehouse::saml {

// Bindings (SAML bindings §3).
inline constexpr std::string_view kBindingRedirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
inline constexpr std::string_view kBindingPost = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
inline constexpr std::string_view kBindingArtifact = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact";
inline constexpr std::string_view kBindingSoap = "urn:oasis:names:tc:SAML:2.0:bindings:SOAP";

// NameID formats (core §8.3).
inline constexpr std::string_view kNameIdTransient = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";
inline constexpr std::string_view kNameIdPersistent = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
inline constexpr std::string_view kNameIdEmail = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
inline constexpr std::string_view kNameIdUnspecified = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";

// Status codes (core §3.2.2.2).
inline constexpr std::string_view kStatusSuccess = "urn:oasis:names:tc:SAML:2.0:status:Success";
inline constexpr std::string_view kStatusRequester = "urn:oasis:names:tc:SAML:2.0:status:Requester";
inline constexpr std::string_view kStatusResponder = "urn:oasis:names:tc:SAML:2.0:status:Responder";
inline constexpr std::string_view kStatusVersionMismatch = "urn:oasis:names:tc:SAML:2.0:status:VersionMismatch";
inline constexpr std::string_view kStatusNoPassive = "urn:oasis:names:tc:SAML:2.0:status:NoPassive";
inline constexpr std::string_view kStatusNoAuthnContext = "urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext";
inline constexpr std::string_view kStatusInvalidNameIdPolicy = "urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy";
inline constexpr std::string_view kStatusRequestDenied = "urn:oasis:names:tc:SAML:2.0:status:RequestDenied";
inline constexpr std::string_view kStatusUnknownPrincipal = "urn:oasis:names:tc:SAML:2.0:status:UnknownPrincipal";
inline constexpr std::string_view kStatusPartialLogout = "urn:oasis:names:tc:SAML:2.0:status:PartialLogout";

// Authentication context classes (the SAML authn context spec, and the REFEDS profiles that
// federations request): what a password, and what two factors, are called in an assertion.
inline constexpr std::string_view kClassPasswordProtectedTransport =
    "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";
inline constexpr std::string_view kClassPassword = "urn:oasis:names:tc:SAML:2.0:ac:classes:Password";
inline constexpr std::string_view kClassUnspecified = "urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified";
inline constexpr std::string_view kClassRefedsSfa = "https://refeds.org/profile/sfa";
inline constexpr std::string_view kClassRefedsMfa = "https://refeds.org/profile/mfa";

/// Reads an xs:dateTime that names UTC (a trailing "Z", or "+00:00"), fractional seconds allowed
/// and dropped; nullopt for anything else (SAML core §1.3.3: times are UTC).
std::optional<UnixSeconds> parse_instant(std::string_view text);
/// A fresh message or assertion ID: "_" and 40 hex digits (160 random bits, an NCName, §1.3.4).
std::string new_id();
/// Whether `text` can be a message ID (xs:ID, an NCName, SAML core §1.3.4): a letter, "_" or a
/// non-ASCII byte first, then those, digits, "-" and "."; at most 256 bytes (IDs we echo stay
/// small). Never fails.
bool is_ncname(std::string_view text);
/// `text` fit for a log line: bytes outside printable ASCII become "?", and past `max_bytes` it
/// is cut and ends in "...". For values a sender chose (IDs, issuers, reasons quoting them).
std::string loggable(std::string_view text, std::size_t max_bytes = 200);
/// `text` escaped for XML text and for attribute values in double quotes; a control character
/// XML cannot carry becomes U+FFFD.
std::string xml_escape(std::string_view text);

}  // namespace gatehouse::saml
