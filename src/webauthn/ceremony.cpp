#include "webauthn/ceremony.hpp"

#include <algorithm>
#include <string>

#include "jose/openssl/crypto.hpp"
#include "webauthn/attestation.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/client_data.hpp"
#include "webauthn/cose_key.hpp"

namespace gatehouse::webauthn {

namespace {

// Limits checked before anything is parsed. A signature is at most an RSA-16384 one (2048 bytes).
constexpr std::size_t kMaxAuthenticatorDataSize = 16 * 1024;
constexpr std::size_t kMaxSignatureSize = 2048;
constexpr std::size_t kMaxCoseKeySize = 4096;

Unexpected<CeremonyError> fail(CeremonyErrorCode code, std::string message, std::string detail = {}) {
  return unexpected(CeremonyError{code, std::move(message), std::move(detail)});
}

CeremonyError auth_data_error(const AuthDataFailure& failure) {
  CeremonyErrorCode code = CeremonyErrorCode::kAuthenticatorDataMalformed;
  if (failure.error == AuthDataError::kBackupStateWithoutEligibility) code = CeremonyErrorCode::kBackupStateWithoutEligibility;
  if (failure.error == AuthDataError::kCredentialIdTooLong) code = CeremonyErrorCode::kCredentialIdTooLong;
  std::string detail = "offset " + std::to_string(failure.offset);
  if (failure.cbor) detail += ": " + std::string(to_string(*failure.cbor));
  return CeremonyError{code, "authenticator data: " + std::string(to_string(failure.error)), std::move(detail)};
}

CeremonyError attestation_object_error(const AttestationObjectFailure& failure) {
  if (failure.auth_data) return auth_data_error(*failure.auth_data);
  const bool too_large = failure.cbor && failure.cbor->error == CborError::kInputTooLarge;
  std::string detail;
  if (failure.cbor) detail = std::string(to_string(failure.cbor->error)) + " at offset " + std::to_string(failure.cbor->offset);
  return CeremonyError{too_large ? CeremonyErrorCode::kInputTooLarge : CeremonyErrorCode::kAttestationObjectMalformed,
                       std::string(to_string(failure.error)), std::move(detail)};
}

// §7.1 steps 13-15 / §7.2 steps 15-17: the RP ID hash, user presence, user verification.
Result<void, CeremonyError> check_flags_and_rp(const RelyingParty& rp, const AuthenticatorData& auth, bool require_uv) {
  const std::string expected = jose::sha256(rp.id);
  if (!std::equal(auth.rp_id_hash.begin(), auth.rp_id_hash.end(), expected.begin(), expected.end(),
                  [](std::uint8_t a, char b) { return a == static_cast<std::uint8_t>(b); })) {
    return fail(CeremonyErrorCode::kRpIdHashMismatch, "the authenticator answered for another site (rpIdHash)");
  }
  if (!auth.user_present()) {
    return fail(CeremonyErrorCode::kUserNotPresent, "the authenticator did not confirm the user was present (UP)");
  }
  if (require_uv && !auth.user_verified()) {
    return fail(CeremonyErrorCode::kUserNotVerified,
                "the authenticator did not verify the user (UV: PIN or biometric), which this site requires");
  }
  return {};
}

std::string lower_hex(const std::array<std::uint8_t, kAaguidSize>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes.size());
  for (const std::uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0x0f];
  }
  return out;
}

NewCredential new_credential(const AttestationObject& object, const CoseKey& key) {
  const AuthenticatorData& auth = object.parsed;
  const AttestedCredentialData& attested = *auth.attested;
  NewCredential out;
  out.credential_id = attested.credential_id;
  out.cose_public_key = attested.public_key_cbor;
  out.algorithm = static_cast<int>(key.algorithm());
  out.sign_count = auth.sign_count;
  out.user_verified = auth.user_verified();
  out.backup_eligible = auth.backup_eligible();
  out.backup_state = auth.backup_state();
  out.aaguid = lower_hex(attested.aaguid);
  out.attestation_format = object.format;
  return out;
}

}  // namespace

std::string_view to_string(CeremonyErrorCode code) {
  switch (code) {
    case CeremonyErrorCode::kInputTooLarge: return "input_too_large";
    case CeremonyErrorCode::kClientDataMalformed: return "client_data_malformed";
    case CeremonyErrorCode::kWrongType: return "wrong_type";
    case CeremonyErrorCode::kChallengeMismatch: return "challenge_mismatch";
    case CeremonyErrorCode::kOriginMismatch: return "origin_mismatch";
    case CeremonyErrorCode::kCrossOrigin: return "cross_origin";
    case CeremonyErrorCode::kTokenBindingUnsupported: return "token_binding_unsupported";
    case CeremonyErrorCode::kAttestationObjectMalformed: return "attestation_object_malformed";
    case CeremonyErrorCode::kAuthenticatorDataMalformed: return "authenticator_data_malformed";
    case CeremonyErrorCode::kBackupStateWithoutEligibility: return "backup_state_without_eligibility";
    case CeremonyErrorCode::kRpIdHashMismatch: return "rp_id_hash_mismatch";
    case CeremonyErrorCode::kUserNotPresent: return "user_not_present";
    case CeremonyErrorCode::kUserNotVerified: return "user_not_verified";
    case CeremonyErrorCode::kNoAttestedCredential: return "no_attested_credential";
    case CeremonyErrorCode::kCredentialIdTooLong: return "credential_id_too_long";
    case CeremonyErrorCode::kPublicKeyInvalid: return "public_key_invalid";
    case CeremonyErrorCode::kUnsupportedAttestationFormat: return "unsupported_attestation_format";
    case CeremonyErrorCode::kAttestationStatementInvalid: return "attestation_statement_invalid";
    case CeremonyErrorCode::kAttestationAlgorithmMismatch: return "attestation_algorithm_mismatch";
    case CeremonyErrorCode::kAttestationSignatureInvalid: return "attestation_signature_invalid";
    case CeremonyErrorCode::kSignatureInvalid: return "signature_invalid";
  }
  return "unknown";
}

Result<NewCredential, CeremonyError> verify_registration(const RelyingParty& rp, const RegistrationInput& input) {
  auto client = check_client_data(rp, input.client_data_json, ClientDataType::kCreate, input.expected_challenge);
  if (!client) return unexpected(client.error());
  const std::string client_data_hash = jose::sha256(input.client_data_json);
  auto object = parse_attestation_object(byte_span(input.attestation_object));
  if (!object) return unexpected(attestation_object_error(object.error()));
  auto flags = check_flags_and_rp(rp, object->parsed, input.require_user_verification);
  if (!flags) return unexpected(flags.error());
  if (!object->parsed.attested) {
    return fail(CeremonyErrorCode::kNoAttestedCredential, "the registration response carries no credential (AT flag clear)");
  }
  auto key = CoseKey::from_cbor(object->parsed.attested->public_key);
  if (!key) return fail(CeremonyErrorCode::kPublicKeyInvalid, std::string(to_string(key.error())));
  auto statement = verify_attestation_statement(*object, client_data_hash, *key);
  if (!statement) return unexpected(statement.error());
  return new_credential(*object, *key);
}

Result<Assertion, CeremonyError> verify_assertion(const RelyingParty& rp, const AssertionInput& input) {
  if (input.authenticator_data.size() > kMaxAuthenticatorDataSize || input.signature.size() > kMaxSignatureSize ||
      input.cose_public_key.size() > kMaxCoseKeySize) {
    return fail(CeremonyErrorCode::kInputTooLarge, "the authenticator data, signature or stored key is too large");
  }
  auto client = check_client_data(rp, input.client_data_json, ClientDataType::kGet, input.expected_challenge);
  if (!client) return unexpected(client.error());
  auto auth = parse_authenticator_data(byte_span(input.authenticator_data));
  if (!auth) return unexpected(auth_data_error(auth.error()));
  auto flags = check_flags_and_rp(rp, *auth, input.require_user_verification);
  if (!flags) return unexpected(flags.error());
  auto key = CoseKey::from_bytes(input.cose_public_key);
  if (!key) return fail(CeremonyErrorCode::kPublicKeyInvalid, "stored credential key: " + std::string(to_string(key.error())));
  // §7.2 step 20: the signature covers authenticatorData || SHA-256(clientDataJSON).
  std::string signed_data;
  signed_data.reserve(input.authenticator_data.size() + 32);
  signed_data.append(input.authenticator_data);
  signed_data += jose::sha256(input.client_data_json);
  if (!verify(*key, signed_data, input.signature)) {
    return fail(CeremonyErrorCode::kSignatureInvalid, "the assertion signature does not verify with this credential's key");
  }
  return Assertion{auth->sign_count, auth->user_verified(), auth->backup_eligible(), auth->backup_state()};
}

CounterVerdict counter_verdict(std::int64_t stored, std::uint32_t received) {
  if (stored == 0 && received == 0) return CounterVerdict::kOk;  // the authenticator keeps no counter
  return static_cast<std::int64_t>(received) > stored ? CounterVerdict::kOk : CounterVerdict::kCloned;
}

}  // namespace gatehouse::webauthn
