#pragma once
// Attestation statement verification (WebAuthn Level 2 §8): "none" (§8.7) and "packed" (§8.2),
// the only formats Gatehouse accepts. Packed with x5c is verified with the leaf certificate's key
// and the §8.2.1 certificate requirements that need no trust policy (X.509 v3, not a CA, the
// AAGUID extension, when present, matching); no chain is built and no root is trusted yet. Used by
// ceremony.cpp.

#include <string_view>

#include "core/result.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/ceremony.hpp"
#include "webauthn/cose_key.hpp"

namespace gatehouse::webauthn {

/// @returns nothing if `object`'s statement is valid for its format, over its authenticator data
/// and `client_data_hash` (SHA-256 of clientDataJSON), with `credential_key` for self attestation.
Result<void, CeremonyError> verify_attestation_statement(const AttestationObject& object,
                                                         std::string_view client_data_hash,
                                                         const CoseKey& credential_key);

}  // namespace gatehouse::webauthn
