#pragma once
// CAS ticket identifiers. CAS Protocol 3.0 §3.7 allows only A-Z, a-z, 0-9 and '-' in a ticket,
// and clients check it (mod_auth_cas ignores a ticket with any other character and sends the
// browser back to the login), so the 256 random bits are written in hex, never base64url ('_').

#include <string>
#include <string_view>

#include "jose/openssl/crypto.hpp"

namespace gatehouse::cas {

/// @returns `prefix` ("ST-", "PT-", "PGT-", "PGTIOU-") and 64 lower-case hex digits of 32 fresh
/// random bytes. @throws jose::CryptoError if the generator fails.
inline std::string new_ticket_id(std::string_view prefix) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  const std::string random = jose::random_bytes(32);
  std::string id(prefix);
  id.reserve(prefix.size() + 2 * random.size());
  for (const unsigned char b : random) {
    id += kHex[b >> 4];
    id += kHex[b & 0x0f];
  }
  return id;
}

}  // namespace gatehouse::cas
