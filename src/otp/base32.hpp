#pragma once
// Base32 (RFC 4648 §6), the encoding of TOTP seeds in otpauth URIs and in other IdPs' exports.

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace gatehouse::otp {

enum class Base32Padding { kNone, kPadded };

/// @returns upper-case base32 of `bytes`; without '=' padding by default, as otpauth URIs want.
std::string base32_encode(std::string_view bytes, Base32Padding padding = Base32Padding::kNone);

/// Decodes base32 as other IdPs export it: upper or lower case, '=' padding optional (but, when
/// present, exactly what completes the last 8-character group), spaces ignored anywhere. Refuses
/// any other character, an impossible length, and non-zero unused bits in the last character.
/// @returns the bytes, or a message naming what is wrong (never echoing the input).
Result<std::string, std::string> base32_decode(std::string_view text);

}  // namespace gatehouse::otp
