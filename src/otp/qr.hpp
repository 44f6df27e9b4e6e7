#pragma once
// A QR code as an SVG image, rendered by the server (Debian's libqrencode), for the otpauth URI of
// a TOTP enrolment. The image carries whatever text it encodes: for an otpauth URI, the seed, so it
// is shown once and never logged or stored.

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace gatehouse::otp {

/// Longest text qr_svg() accepts, in bytes (an otpauth URI is about 120).
constexpr std::size_t kQrMaxText = 1024;
/// Light modules around the symbol, as ISO/IEC 18004 requires.
constexpr int kQrQuietZone = 4;

/// Encodes `text` in byte mode, error-correction level M, the smallest version that fits, and
/// renders it as `<svg viewBox="0 0 N N">` (N = modules + 2 * kQrQuietZone, one unit per module):
/// a white background and one black path of the dark modules (one sub-path per horizontal run).
/// Deterministic: the same text gives the same string.
/// @returns the SVG, or a message if text is empty or longer than kQrMaxText.
/// @throws std::runtime_error if libqrencode fails otherwise (out of memory).
Result<std::string, std::string> qr_svg(std::string_view text);

}  // namespace gatehouse::otp
