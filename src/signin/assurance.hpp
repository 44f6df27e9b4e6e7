#pragma once
// What a sign-in proved, and what a service asks of it: RFC 8176 authentication method references
// (amr), the authentication context class (acr) they reach, and the second-factor policy of a
// service (the client metadata member mfa_policy, else the installation default).
//
// Two acr values, those of the REFEDS assurance profiles that federations (and their Shibboleth and
// CAS deployments) already request: single-factor (a password, or a passkey without user
// verification) and multi-factor (two factors, or a passkey with user verification).

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::signin {

// RFC 8176 §2 values the steps record.
inline constexpr std::string_view kAmrPassword = "pwd";
inline constexpr std::string_view kAmrOtp = "otp";   // a TOTP code or a recovery code
inline constexpr std::string_view kAmrHardwareKey = "hwk";  // a passkey bound to one device (not backup eligible)
inline constexpr std::string_view kAmrSoftwareKey = "swk";  // a synced passkey (backup eligible)
inline constexpr std::string_view kAmrUserPresence = "user";
inline constexpr std::string_view kAmrMfa = "mfa";

inline constexpr std::string_view kAcrSingleFactor = "https://refeds.org/profile/sfa";
inline constexpr std::string_view kAcrMultiFactor = "https://refeds.org/profile/mfa";

enum class MfaPolicy { kOff, kOptional, kRequired };

/// "off" | "optional" | "required".
std::optional<MfaPolicy> parse_mfa_policy(std::string_view text);
std::string_view to_string(MfaPolicy policy);

/// Whether the space-separated `words` (an amr or acr_values string) hold `word`.
bool has_word(std::string_view words, std::string_view word);
/// `amr` with each of `more` appended unless already there.
std::string add_amr(std::string_view amr, std::initializer_list<std::string_view> more);
/// The acr a sign-in with `amr` reached.
std::string_view acr_for(std::string_view amr);

/// Whether a second factor must be shown: the service's policy requires one, or the request asked
/// for the multi-factor acr.
bool requires_mfa(MfaPolicy policy, std::string_view requested_acr);

}  // namespace gatehouse::signin
