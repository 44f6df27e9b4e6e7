#pragma once
// Authenticator data (WebAuthn Level 2 §6.1) and the attestation object around it (§6.5), parsed
// strictly: every length is checked against the bytes that remain, nothing may follow the last
// part, and the flags must agree with what is present (AT: attested credential data, ED:
// extensions; BS without BE is refused as §6.1.3 describes the pair). Pure functions, no crypto:
// the COSE key is decoded as CBOR here and turned into a key by cose_key.hpp.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "webauthn/cbor.hpp"

namespace gatehouse::webauthn {

/// The flag bits of authenticator data (§6.1). Bits 1 and 5 are reserved and ignored.
inline constexpr std::uint8_t kFlagUserPresent = 0x01;        // UP
inline constexpr std::uint8_t kFlagUserVerified = 0x04;       // UV
inline constexpr std::uint8_t kFlagBackupEligible = 0x08;     // BE
inline constexpr std::uint8_t kFlagBackupState = 0x10;        // BS
inline constexpr std::uint8_t kFlagAttestedCredential = 0x40; // AT
inline constexpr std::uint8_t kFlagExtensions = 0x80;         // ED

inline constexpr std::size_t kRpIdHashSize = 32;
inline constexpr std::size_t kAaguidSize = 16;
/// §7.1 step 23 (Level 3 wording): a credential id longer than this is refused.
inline constexpr std::size_t kMaxCredentialIdLength = 1023;
/// rpIdHash, flags, signCount: the fixed part every authenticator data starts with.
inline constexpr std::size_t kAuthenticatorDataMinSize = kRpIdHashSize + 1 + 4;

/// Views a byte string (as the HTTP layer holds decoded base64url) as bytes.
inline std::span<const std::uint8_t> byte_span(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

struct AttestedCredentialData {
  std::array<std::uint8_t, kAaguidSize> aaguid{};
  std::string credential_id;    // raw bytes, 1 to kMaxCredentialIdLength
  std::string public_key_cbor;  // the COSE_Key exactly as encoded in the authenticator data
  CborValue public_key;         // the same, decoded (a map)
};

struct AuthenticatorData {
  std::array<std::uint8_t, kRpIdHashSize> rp_id_hash{};
  std::uint8_t flags = 0;
  std::uint32_t sign_count = 0;
  std::optional<AttestedCredentialData> attested;  // present exactly when AT is set
  std::optional<CborValue> extensions;              // present exactly when ED is set (a map)

  bool user_present() const { return (flags & kFlagUserPresent) != 0; }
  bool user_verified() const { return (flags & kFlagUserVerified) != 0; }
  bool backup_eligible() const { return (flags & kFlagBackupEligible) != 0; }
  bool backup_state() const { return (flags & kFlagBackupState) != 0; }
};

enum class AuthDataError {
  kTooShort,                  // fewer than 37 bytes
  kBackupStateWithoutEligibility,  // BS set, BE not
  kTruncatedCredential,       // AT set, but the AAGUID, length or credential id runs past the end
  kEmptyCredentialId,         // credentialIdLength 0
  kCredentialIdTooLong,       // credentialIdLength > 1023
  kBadPublicKey,              // the COSE_Key is not well-formed strict CBOR, or not a map
  kBadExtensions,             // ED set, but no well-formed CBOR map follows
  kTrailingBytes,             // bytes after the last part the flags announce
};

std::string_view to_string(AuthDataError error);

struct AuthDataFailure {
  AuthDataError error;
  std::size_t offset;               // where in the authenticator data
  std::optional<CborError> cbor;    // the CBOR refusal behind kBadPublicKey / kBadExtensions
};

/// Parses authenticator data (§6.1). @returns the parts, or the first thing wrong with it.
Result<AuthenticatorData, AuthDataFailure> parse_authenticator_data(std::span<const std::uint8_t> bytes);

/// The attestation object (§6.5.4): {"fmt": text, "attStmt": map, "authData": bytes}.
struct AttestationObject {
  std::string format;        // "none", "packed", ...: checked by the ceremony, not here
  CborValue statement;       // attStmt, a map
  std::string auth_data;     // the raw authenticator data bytes (what the signatures cover)
  AuthenticatorData parsed;  // the same, parsed
};

enum class AttestationObjectError {
  kBadCbor,          // not one well-formed strict CBOR item (see `cbor`)
  kNotAMap,          // the top-level item is not a map
  kMissingMember,    // fmt, attStmt or authData absent or of the wrong type
  kUnknownMember,    // a member other than those three
  kBadAuthData,      // authData does not parse (see `auth_data`)
};

std::string_view to_string(AttestationObjectError error);

struct AttestationObjectFailure {
  AttestationObjectError error;
  std::optional<CborFailure> cbor;
  std::optional<AuthDataFailure> auth_data;
};

/// Parses an attestation object and the authenticator data inside it.
Result<AttestationObject, AttestationObjectFailure> parse_attestation_object(std::span<const std::uint8_t> bytes);

}  // namespace gatehouse::webauthn
