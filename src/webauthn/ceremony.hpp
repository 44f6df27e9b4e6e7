#pragma once
// The relying party's side of the WebAuthn Level 2 ceremonies: verifying a registration (§7.1) and
// an authentication assertion (§7.2). Pure functions over the bytes the browser sent and what the
// caller stored: no storage, no HTTP. What stays with the caller: issuing and consuming the
// challenge (mfa::ChallengeStore), refusing a credential id already registered (§7.1 step 22),
// finding the credential and checking the user handle (§7.2 steps 5-6), and storing the new
// counter after counter_verdict().
//
// Policy: credential keys ES256, RS256 (>= 2048 bits) and EdDSA (Ed25519); attestation formats
// "none" and "packed" (self attestation, or x5c whose leaf certificate's key verifies the
// signature; no certificate chain or trust anchor is checked yet, so an attestation says nothing
// trustworthy about the authenticator model). Any other format is refused. Token binding is not
// supported: a clientDataJSON saying it was used is refused.
//
// Thread safety: every function is safe to call concurrently.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace gatehouse::webauthn {

struct RelyingParty {
  std::string id;                    // the RP ID, e.g. "login.example.com"; its SHA-256 is the rpIdHash
  std::vector<std::string> origins;  // exact origins accepted in clientDataJSON ("https://login.example.com")
};

enum class CeremonyErrorCode {
  kInputTooLarge,             // a part of the response exceeds its size limit
  kClientDataMalformed,       // clientDataJSON is not a JSON object with string type/challenge/origin
  kWrongType,                 // type is not "webauthn.create" / "webauthn.get"
  kChallengeMismatch,         // challenge differs from the one issued
  kOriginMismatch,            // origin is not exactly one of the RP's origins
  kCrossOrigin,               // crossOrigin is true (called from a cross-origin iframe)
  kTokenBindingUnsupported,   // tokenBinding.status is "present"
  kAttestationObjectMalformed,  // attestationObject is not strict CBOR of the right shape
  kAuthenticatorDataMalformed,  // truncated, trailing bytes, bad lengths, bad COSE key CBOR
  kBackupStateWithoutEligibility,  // flags: BS set without BE
  kRpIdHashMismatch,          // rpIdHash is not SHA-256 of the RP ID
  kUserNotPresent,            // UP flag clear
  kUserNotVerified,           // UV flag clear while user verification is required
  kNoAttestedCredential,      // registration: AT flag clear (no credential in the response)
  kCredentialIdTooLong,       // registration: credential id over 1023 bytes
  kPublicKeyInvalid,          // the COSE key is not an accepted, valid ES256/RS256/EdDSA key
  kUnsupportedAttestationFormat,  // fmt other than "none" and "packed"
  kAttestationStatementInvalid,   // attStmt malformed for its format (e.g. non-empty for "none")
  kAttestationAlgorithmMismatch,  // packed: attStmt alg differs from the key that must verify it
  kAttestationSignatureInvalid,   // packed: sig does not verify
  kSignatureInvalid,          // assertion: signature does not verify with the stored key
};

/// A stable snake_case name for logs and metrics ("challenge_mismatch").
std::string_view to_string(CeremonyErrorCode code);

struct CeremonyError {
  CeremonyErrorCode code;
  std::string message;  // safe to show on a 400 page; names the check that failed
  std::string detail;   // for the log only (what was received); may be empty
};

struct RegistrationInput {
  std::string_view client_data_json;    // response.clientDataJSON, decoded bytes
  std::string_view attestation_object;  // response.attestationObject, decoded bytes
  std::string_view expected_challenge;  // the challenge issued, base64url without padding
  bool require_user_verification = false;
};

struct NewCredential {
  std::string credential_id;    // raw bytes
  std::string cose_public_key;  // the COSE_Key CBOR exactly as in the authenticator data
  int algorithm = 0;            // COSE alg: -7 ES256, -257 RS256, -8 EdDSA
  std::uint32_t sign_count = 0;
  bool user_verified = false;
  bool backup_eligible = false;
  bool backup_state = false;
  std::string aaguid;              // 32 lower-case hex digits
  std::string attestation_format;  // "none" or "packed"
};

/// Verifies a registration response (§7.1 steps 5-21, except what the header comment leaves to
/// the caller). @returns the credential to store, or the first check that failed.
Result<NewCredential, CeremonyError> verify_registration(const RelyingParty& rp, const RegistrationInput& input);

struct AssertionInput {
  std::string_view client_data_json;    // response.clientDataJSON, decoded bytes
  std::string_view authenticator_data;  // response.authenticatorData, decoded bytes
  std::string_view signature;           // response.signature, decoded bytes
  std::string_view expected_challenge;  // the challenge issued, base64url without padding
  std::string_view cose_public_key;     // NewCredential::cose_public_key as stored
  bool require_user_verification = false;
};

struct Assertion {
  std::uint32_t sign_count = 0;
  bool user_verified = false;
  bool backup_eligible = false;
  bool backup_state = false;
};

/// Verifies an authentication assertion (§7.2 steps 10-20). The counter is not judged here: pass
/// Assertion::sign_count and the stored count to counter_verdict(). @returns the flags and counter.
Result<Assertion, CeremonyError> verify_assertion(const RelyingParty& rp, const AssertionInput& input);

enum class CounterVerdict {
  kOk,      // store the received count (0 and 0: the authenticator keeps no counter)
  kCloned,  // the counter did not increase: the credential may be cloned; flag it and refuse
};

/// §7.2 step 21: both zero is fine (no counter); otherwise the received count must exceed the stored one.
CounterVerdict counter_verdict(std::int64_t stored, std::uint32_t received);

}  // namespace gatehouse::webauthn
