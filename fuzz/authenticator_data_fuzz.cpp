// libFuzzer target for the WebAuthn authenticator data and attestation object parsers
// (src/webauthn/authenticator_data.cpp) and the COSE key import behind them (cose_key.cpp, OpenSSL):
// any input must give a value or a refusal, never a crash, a sanitizer report, a leak or a hang,
// and what is accepted must agree with its flags. Built and run by scripts/fuzz.

#include <cstddef>
#include <cstdint>
#include <span>

#include "webauthn/authenticator_data.hpp"
#include "webauthn/cose_key.hpp"

namespace {

using namespace gatehouse::webauthn;

void check_consistent(const AuthenticatorData& auth) {
  if (auth.backup_state() && !auth.backup_eligible()) __builtin_trap();
  if (auth.attested.has_value() != ((auth.flags & kFlagAttestedCredential) != 0)) __builtin_trap();
  if (auth.extensions.has_value() != ((auth.flags & kFlagExtensions) != 0)) __builtin_trap();
  if (auth.extensions && auth.extensions->as_map() == nullptr) __builtin_trap();
  if (!auth.attested) return;
  const AttestedCredentialData& cred = *auth.attested;
  if (cred.credential_id.empty() || cred.credential_id.size() > kMaxCredentialIdLength) __builtin_trap();
  if (cred.public_key_cbor.empty() || cred.public_key.as_map() == nullptr) __builtin_trap();
  // The key bytes kept must decode, alone, to the same item.
  if (!cbor_decode(byte_span(cred.public_key_cbor)).has_value()) __builtin_trap();
  auto key = CoseKey::from_cbor(cred.public_key);
  if (key.has_value() && key->pkey() == nullptr) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  auto auth = parse_authenticator_data(input);
  if (auth.has_value()) check_consistent(*auth);
  if (!auth.has_value() && auth.error().offset > size) __builtin_trap();

  auto object = parse_attestation_object(input);
  if (object.has_value()) {
    check_consistent(object->parsed);
    if (object->statement.as_map() == nullptr) __builtin_trap();
    // The authenticator data it carries parses the same on its own.
    auto again = parse_authenticator_data(byte_span(object->auth_data));
    if (!again.has_value() || again->flags != object->parsed.flags || again->sign_count != object->parsed.sign_count)
      __builtin_trap();
  }
  // The input as a bare COSE key too (what verify_assertion reads back from storage).
  (void)CoseKey::from_bytes({reinterpret_cast<const char*>(data), size});
  return 0;
}
