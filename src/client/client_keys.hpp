#pragma once
// The public keys a client registers to authenticate with a signed JWT (private_key_jwt, RFC 7523
// §2.2, OpenID Connect Core §9). They are registered inline as a JWK Set (RFC 7517 §5, the
// RFC 7591 "jwks" member) and stored in a normalised form: public members only, each with a kid.

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "core/result.hpp"
#include "jose/jws.hpp"

namespace gatehouse::client {

inline constexpr std::size_t kMaxClientKeys = 10;

struct ClientKey {
  std::string kid;
  jose::KeyPair key;  // public only
};

/// Validates a registered JWK Set: {"keys": [...]} with 1 to kMaxClientKeys signing keys, each
/// RSA (2048+ bits, RS256) or EC P-256 (ES256); "alg", when given, must fit the key type and "use",
/// when given, must be "sig"; private members ("d", "p", ...) and "x5c"/"x5u" chains are refused;
/// kids must be distinct (a key without one gets its RFC 7638 thumbprint).
/// @returns the normalised JWK Set as JSON text, or a message safe to show.
Result<std::string, std::string> normalize_jwks(const boost::json::value& jwks);

/// Loads a JWK Set normalize_jwks() produced (as stored with the client). @returns the keys, or an
/// empty list when the text is empty or no longer loads (the client then cannot authenticate).
std::vector<ClientKey> load_client_keys(std::string_view normalized);

}  // namespace gatehouse::client
