#pragma once
// A software WebAuthn authenticator for tests and the benchmark's load generator: it generates a
// credential key with OpenSSL (ES256, RS256 or EdDSA) and produces what a browser would send back
// for a registration (clientDataJSON + attestationObject, fmt "none" or "packed", the latter as
// self attestation or with an x5c leaf certificate signed by a generated attestation key) and for
// an assertion (clientDataJSON + authenticatorData + signature). The caller chooses the flags and
// the counter. The lower-level builders are public so tests can assemble malformed responses.
// Not for production: the keys live in memory, unprotected.
// Thread safety: a SoftCredential is immutable after generate(); its methods may run concurrently.

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "jose/openssl/handles.hpp"
#include "webauthn/cose_key.hpp"

namespace gatehouse::webauthn::testing {

/// What the browser puts into clientDataJSON, and the RP ID whose hash goes into authenticator data.
struct ClientContext {
  std::string origin;     // "https://localhost:8443"
  std::string rp_id;      // "localhost"
  std::string challenge;  // base64url without padding, as issued
  bool cross_origin = false;
};

/// The flags the authenticator reports (AT and ED are set by the builders as needed).
struct Flags {
  bool user_present = true;
  bool user_verified = true;
  bool backup_eligible = false;
  bool backup_state = false;
};

/// The AAGUID SoftCredential reports: a fixed, recognisable value.
inline constexpr std::array<std::uint8_t, 16> kSoftAaguid = {0x67, 0x61, 0x74, 0x65, 0x68, 0x6f, 0x75, 0x73,
                                                             0x65, 0x2d, 0x73, 0x6f, 0x66, 0x74, 0x00, 0x01};

enum class Attestation { kNone, kPackedSelf, kPackedX5c };

struct RegistrationResponse {
  std::string client_data_json;
  std::string attestation_object;
  std::string authenticator_data;  // the one inside attestation_object, for convenience
};

struct AssertionResponse {
  std::string client_data_json;
  std::string authenticator_data;
  std::string signature;
};

class SoftCredential {
 public:
  /// Generates a key pair and a random 16-byte credential id. `rsa_bits` applies to RS256 only
  /// (give 1024 to test the refusal of small keys). @throws CryptoError if OpenSSL fails.
  static SoftCredential generate(CoseAlgorithm alg, int rsa_bits = 2048);

  CoseAlgorithm algorithm() const { return alg_; }
  const std::string& credential_id() const { return credential_id_; }
  /// The COSE_Key CBOR of the public key (what verify_registration returns as cose_public_key).
  const std::string& cose_public_key() const { return cose_public_key_; }

  /// A registration response for `ctx` with the given flags, counter and attestation. `aaguid` goes
  /// into the authenticator data; the x5c certificate always names kSoftAaguid.
  RegistrationResponse register_credential(const ClientContext& ctx, const Flags& flags, std::uint32_t sign_count,
                                           Attestation attestation = Attestation::kNone,
                                           const std::array<std::uint8_t, 16>& aaguid = kSoftAaguid) const;
  /// An assertion response for `ctx` with the given flags and counter.
  AssertionResponse assert_credential(const ClientContext& ctx, const Flags& flags, std::uint32_t sign_count) const;
  /// Signs `data` with the credential key in WebAuthn's encoding (DER ECDSA, PKCS#1 v1.5, raw EdDSA).
  std::string sign(std::string_view data) const;

 private:
  SoftCredential(CoseAlgorithm alg, jose::openssl::EvpPkeyPtr key, std::string credential_id, std::string cose_key);
  CoseAlgorithm alg_;
  jose::openssl::EvpPkeyPtr key_;
  std::string credential_id_;
  std::string cose_public_key_;
};

/// A minimal CBOR encoder (definite lengths, shortest heads) for building responses.
class CborWriter {
 public:
  CborWriter& integer(std::int64_t v);
  CborWriter& bytes(std::string_view b);
  CborWriter& text(std::string_view t);
  CborWriter& array(std::size_t n);  // then n items
  CborWriter& map(std::size_t n);    // then n key, value pairs
  CborWriter& raw(std::string_view encoded);  // an item already encoded
  const std::string& out() const { return out_; }

 private:
  void head(std::uint8_t major, std::uint64_t arg);
  std::string out_;
};

/// The §6.1 flags byte for `flags` plus AT / ED.
std::uint8_t flags_byte(const Flags& flags, bool attested, bool extensions);
/// rpIdHash (SHA-256 of rp_id) || flags || signCount (big-endian) || attested || extensions.
std::string make_authenticator_data(std::string_view rp_id, std::uint8_t flags, std::uint32_t sign_count,
                                    std::string_view attested_credential_data = {},
                                    std::string_view extensions_cbor = {});
/// AAGUID (16 bytes) || credentialIdLength (big-endian u16) || credential id || COSE key CBOR.
std::string make_attested_credential_data(const std::array<std::uint8_t, 16>& aaguid, std::string_view credential_id,
                                          std::string_view cose_key_cbor);
/// {"fmt": fmt, "attStmt": <att_stmt_cbor>, "authData": auth_data}.
std::string make_attestation_object(std::string_view fmt, std::string_view att_stmt_cbor, std::string_view auth_data);
/// {"type":..,"challenge":..,"origin":..,"crossOrigin":..} as a browser serialises it.
std::string make_client_data_json(std::string_view type, const ClientContext& ctx);
/// An EC2 (P-256) COSE key with the given coordinates (not checked: for invalid-key tests).
std::string make_es256_cose_key(std::string_view x, std::string_view y);

}  // namespace gatehouse::webauthn::testing
