#pragma once
// Proof Key for Code Exchange (RFC 7636), S256 only: "plain" offers no protection against a
// stolen code and is refused (RFC 9700 §2.1.1).

#include <string_view>

namespace gatehouse::oauth {

/// RFC 7636 §4.2: code_challenge is BASE64URL(SHA256(verifier)), 43 characters.
bool valid_code_challenge(std::string_view challenge);
/// RFC 7636 §4.1: 43 to 128 characters of [A-Z a-z 0-9 - . _ ~].
bool valid_code_verifier(std::string_view verifier);
/// RFC 7636 §4.6 with S256, compared in constant time. False for a malformed verifier.
bool pkce_matches(std::string_view verifier, std::string_view challenge);

}  // namespace gatehouse::oauth
