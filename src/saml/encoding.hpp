#pragma once
// The transfer encodings of the SAML bindings: standard base64 (RFC 4648 §4) as the HTTP-POST and
// HTTP-Redirect bindings use it, and raw DEFLATE (RFC 1951, no zlib header) for HTTP-Redirect
// (SAML bindings §3.4.4.1). Thread safe.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace gatehouse::saml {

/// Standard base64 with padding. `line_length` > 0 breaks the output into lines of that many
/// characters separated by "\n" (76 is what PEM and many SAML tools use); 0 gives one line.
std::string base64_encode(std::string_view bytes, std::size_t line_length = 0);
/// Strict standard base64: only the alphabet, "=" padding at the end (the total length, without
/// whitespace, a multiple of 4) and whitespace (space, tab, CR, LF) anywhere, which is skipped.
/// @returns nullopt for anything else (base64url characters, stray "=", a bad length).
std::optional<std::string> base64_decode(std::string_view text);

/// Raw DEFLATE inflate. @returns the bytes, or a reason when the input is not one complete raw
/// DEFLATE stream (trailing bytes included) or would inflate to more than max_output bytes (a
/// deflate bomb stops there: the work is bounded by the cap, not by the input).
Result<std::string, std::string> inflate_raw(std::string_view compressed, std::size_t max_output);
/// Raw DEFLATE at the default level, for sending by HTTP-Redirect.
/// @throws std::runtime_error only if zlib fails (out of memory).
std::string deflate_raw(std::string_view bytes);

}  // namespace gatehouse::saml
