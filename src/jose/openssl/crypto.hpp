#pragma once
// The primitives Gatehouse needs from OpenSSL, behind plain byte-string signatures. Every OpenSSL
// return value is checked; failures drain the error queue into a CryptoError (C9).
// All functions are thread safe.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::jose {

/// @returns n bytes from OpenSSL's CSPRNG. @throws CryptoError if the generator fails.
std::string random_bytes(std::size_t n);
/// @returns base64url (no padding) of `bytes` random bytes: an unguessable identifier or secret.
std::string random_token(std::size_t bytes = 32);

/// @returns the 32-byte SHA-256 digest.
std::string sha256(std::string_view data);
/// @returns the 20-byte SHA-1 digest: only where a format fixes it and no security rests on it
/// (a SAML artifact's SourceID).
std::string sha1(std::string_view data);
/// @returns the 32-byte HMAC-SHA-256 of data under key.
std::string hmac_sha256(std::string_view key, std::string_view data);
/// The hash under an HMAC that interoperates with authenticator apps (RFC 6238: SHA-1, -256, -512).
enum class HmacHash { kSha1, kSha256, kSha512 };
/// @returns the HMAC of data under key with `hash` (20, 32 or 64 bytes). SHA-1 is here only for
/// HOTP/TOTP, where RFC 4226 requires it and HMAC-SHA-1 remains sound.
std::string hmac(HmacHash hash, std::string_view key, std::string_view data);
/// HKDF-SHA-256 (RFC 5869). @returns `length` bytes of output keying material.
std::string hkdf_sha256(std::string_view ikm, std::string_view salt, std::string_view info,
                        std::size_t length);

/// Compares in time that depends only on the lengths (CRYPTO_memcmp). Different lengths: false.
bool constant_time_equal(std::string_view a, std::string_view b);

/// AES-256-GCM with a random 96-bit nonce. @returns nonce(12) || ciphertext || tag(16).
/// @throws CryptoError if the key is not 32 bytes or OpenSSL fails.
std::string aead_seal(std::string_view key, std::string_view plaintext, std::string_view aad);
/// @returns the plaintext, or nullopt if the key, aad or sealed bytes do not authenticate.
std::optional<std::string> aead_open(std::string_view key, std::string_view sealed,
                                     std::string_view aad);

}  // namespace gatehouse::jose
