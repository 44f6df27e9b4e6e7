#include "webauthn/authenticator_data.hpp"

#include <algorithm>

namespace gatehouse::webauthn {

namespace {

constexpr std::size_t kFlagsOffset = kRpIdHashSize;
constexpr std::size_t kSignCountOffset = kFlagsOffset + 1;
constexpr std::size_t kCredentialIdLengthSize = 2;

Unexpected<AuthDataFailure> auth_fail(AuthDataError e, std::size_t at, std::optional<CborError> cbor = {}) {
  return unexpected(AuthDataFailure{e, at, cbor});
}

std::uint32_t read_u32_be(std::span<const std::uint8_t> in, std::size_t at) {
  return (std::uint32_t{in[at]} << 24) | (std::uint32_t{in[at + 1]} << 16) | (std::uint32_t{in[at + 2]} << 8) |
         std::uint32_t{in[at + 3]};
}

std::string to_string_bytes(std::span<const std::uint8_t> in) {
  return {reinterpret_cast<const char*>(in.data()), in.size()};
}

// §6.5.1 attested credential data, starting at `pos`; advances `pos` past the COSE key.
Result<AttestedCredentialData, AuthDataFailure> parse_attested(std::span<const std::uint8_t> in, std::size_t& pos) {
  AttestedCredentialData out;
  if (in.size() - pos < kAaguidSize + kCredentialIdLengthSize) return auth_fail(AuthDataError::kTruncatedCredential, pos);
  std::copy_n(in.begin() + static_cast<std::ptrdiff_t>(pos), kAaguidSize, out.aaguid.begin());
  pos += kAaguidSize;
  const std::size_t id_length = (std::size_t{in[pos]} << 8) | in[pos + 1];
  if (id_length == 0) return auth_fail(AuthDataError::kEmptyCredentialId, pos);
  if (id_length > kMaxCredentialIdLength) return auth_fail(AuthDataError::kCredentialIdTooLong, pos);
  pos += kCredentialIdLengthSize;
  if (in.size() - pos < id_length) return auth_fail(AuthDataError::kTruncatedCredential, pos);
  out.credential_id = to_string_bytes(in.subspan(pos, id_length));
  pos += id_length;
  auto key = cbor_decode_prefix(in.subspan(pos));
  if (!key) return auth_fail(AuthDataError::kBadPublicKey, pos + key.error().offset, key.error().error);
  if (key->value.as_map() == nullptr) return auth_fail(AuthDataError::kBadPublicKey, pos);
  out.public_key_cbor = to_string_bytes(in.subspan(pos, key->used));
  out.public_key = std::move(key->value);
  pos += key->used;
  return out;
}

}  // namespace

std::string_view to_string(AuthDataError error) {
  switch (error) {
    case AuthDataError::kTooShort:
      return "authenticator data shorter than 37 bytes";
    case AuthDataError::kBackupStateWithoutEligibility:
      return "backup state flag (BS) set without backup eligibility (BE)";
    case AuthDataError::kTruncatedCredential:
      return "attested credential data truncated";
    case AuthDataError::kEmptyCredentialId:
      return "credential id is empty";
    case AuthDataError::kCredentialIdTooLong:
      return "credential id longer than 1023 bytes";
    case AuthDataError::kBadPublicKey:
      return "credential public key is not a well-formed CBOR map";
    case AuthDataError::kBadExtensions:
      return "extensions are not a well-formed CBOR map";
    case AuthDataError::kTrailingBytes:
      return "trailing bytes after the authenticator data";
  }
  return "authenticator data malformed";
}

Result<AuthenticatorData, AuthDataFailure> parse_authenticator_data(std::span<const std::uint8_t> in) {
  if (in.size() < kAuthenticatorDataMinSize) return auth_fail(AuthDataError::kTooShort, in.size());
  AuthenticatorData out;
  std::copy_n(in.begin(), kRpIdHashSize, out.rp_id_hash.begin());
  out.flags = in[kFlagsOffset];
  out.sign_count = read_u32_be(in, kSignCountOffset);
  if (out.backup_state() && !out.backup_eligible()) {
    return auth_fail(AuthDataError::kBackupStateWithoutEligibility, kFlagsOffset);
  }
  std::size_t pos = kAuthenticatorDataMinSize;
  if ((out.flags & kFlagAttestedCredential) != 0) {
    auto attested = parse_attested(in, pos);
    if (!attested) return unexpected(attested.error());
    out.attested = std::move(*attested);
  }
  if ((out.flags & kFlagExtensions) != 0) {
    auto ext = cbor_decode_prefix(in.subspan(pos));
    if (!ext) return auth_fail(AuthDataError::kBadExtensions, pos + ext.error().offset, ext.error().error);
    if (ext->value.as_map() == nullptr) return auth_fail(AuthDataError::kBadExtensions, pos);
    out.extensions = std::move(ext->value);
    pos += ext->used;
  }
  if (pos != in.size()) return auth_fail(AuthDataError::kTrailingBytes, pos);
  return out;
}

std::string_view to_string(AttestationObjectError error) {
  switch (error) {
    case AttestationObjectError::kBadCbor:
      return "attestation object is not well-formed CBOR";
    case AttestationObjectError::kNotAMap:
      return "attestation object is not a CBOR map";
    case AttestationObjectError::kMissingMember:
      return "attestation object lacks fmt (text), attStmt (map) or authData (bytes)";
    case AttestationObjectError::kUnknownMember:
      return "attestation object has a member other than fmt, attStmt and authData";
    case AttestationObjectError::kBadAuthData:
      return "authenticator data in the attestation object is malformed";
  }
  return "attestation object malformed";
}

Result<AttestationObject, AttestationObjectFailure> parse_attestation_object(std::span<const std::uint8_t> bytes) {
  auto decoded = cbor_decode(bytes);
  if (!decoded) return unexpected(AttestationObjectFailure{AttestationObjectError::kBadCbor, decoded.error(), {}});
  const CborMap* map = decoded->as_map();
  if (map == nullptr) return unexpected(AttestationObjectFailure{AttestationObjectError::kNotAMap, {}, {}});
  const CborValue* fmt = decoded->get("fmt");
  const CborValue* statement = decoded->get("attStmt");
  const CborValue* auth_data = decoded->get("authData");
  if (fmt == nullptr || fmt->as_text() == nullptr || statement == nullptr || statement->as_map() == nullptr ||
      auth_data == nullptr || auth_data->as_bytes() == nullptr) {
    return unexpected(AttestationObjectFailure{AttestationObjectError::kMissingMember, {}, {}});
  }
  if (map->size() != 3) return unexpected(AttestationObjectFailure{AttestationObjectError::kUnknownMember, {}, {}});
  const CborBytes& raw = *auth_data->as_bytes();
  auto parsed = parse_authenticator_data(raw);
  if (!parsed) return unexpected(AttestationObjectFailure{AttestationObjectError::kBadAuthData, {}, parsed.error()});
  return AttestationObject{*fmt->as_text(), *statement, to_string_bytes(raw), std::move(*parsed)};
}

}  // namespace gatehouse::webauthn
