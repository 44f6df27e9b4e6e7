#pragma once
// Base64url without padding (RFC 4648 §5, as JOSE uses it: RFC 7515 §2) and standard base64
// (RFC 4648 §4, used by HTTP Basic authentication).

#include <optional>
#include <string>
#include <string_view>

namespace gatehouse {

std::string base64url_encode(std::string_view bytes);
/// @returns nullopt on a character outside the alphabet, padding, or an impossible length.
std::optional<std::string> base64url_decode(std::string_view text);

std::string base64_encode(std::string_view bytes);
/// Accepts padded or unpadded input. @returns nullopt on any invalid character or length.
std::optional<std::string> base64_decode(std::string_view text);

/// Either alphabet, as operators paste keys: base64url (unpadded) or standard base64 (padded or
/// not). @returns nullopt if the text mixes the two alphabets or is invalid in both.
std::optional<std::string> base64_either_decode(std::string_view text);

}  // namespace gatehouse
