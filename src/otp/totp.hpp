#pragma once
// HOTP (RFC 4226) and TOTP (RFC 6238): the one-time codes of authenticator apps.
//
// verify() only says which time step a code matches. The one-use rule is the caller's: it stores
// the last step accepted for the seed and refuses a matched step <= that one, advancing it with a
// conditional write in the store so that the same code posted to two nodes succeeds once.

#include <cstdint>
#include <optional>

#include "core/result.hpp"
#include "core/secret.hpp"

namespace gatehouse::otp {

enum class Algorithm { kSha1, kSha256, kSha512 };

/// What an authenticator is told in the otpauth URI. RFC 6238's T0 is always 0 (the Unix epoch).
struct TotpParams {
  Algorithm algorithm = Algorithm::kSha1;
  int digits = 6;             // 6 to 8
  std::int64_t period = 30;   // seconds per time step, > 0
};

/// 160 bits from OpenSSL's CSPRNG (RFC 4226 §4 R6 recommends 160).
constexpr std::size_t kSeedBytes = 20;
/// @returns a new seed of kSeedBytes random bytes. @throws CryptoError if the generator fails.
TotpSeed generate_seed();

/// A seed given in base32 (an otpauth URI's `secret`, another IdP's export: base32_decode's rules),
/// as a TotpSeed at once, so the decoded bytes never pass through the code as a plain string.
/// @returns the seed, or base32_decode's message (never echoing the input); an empty seed is refused.
Result<TotpSeed, std::string> seed_from_base32(std::string_view text);

/// RFC 4226 §5.3: the HMAC of the 8-byte big-endian counter, dynamically truncated, as `digits`
/// decimal digits (leading zeros kept). @throws std::invalid_argument if digits is not 6 to 8.
OneTimeCode hotp(const TotpSeed& seed, std::uint64_t counter, Algorithm algorithm, int digits);

/// @returns floor(unix_seconds / period), the RFC 6238 time step T (T0 = 0).
/// @throws std::invalid_argument if period <= 0.
std::int64_t time_step(std::int64_t unix_seconds, std::int64_t period);

/// @returns the code for the step containing unix_seconds. @throws std::invalid_argument on bad
/// params or a time before the epoch.
OneTimeCode totp(const TotpSeed& seed, std::int64_t unix_seconds, const TotpParams& params = {});

/// Compares `code`, in constant time, with the codes of the steps step(now)-window ..
/// step(now)+window (negative steps skipped). A code of the wrong length or with a non-digit is
/// refused before any HMAC is computed. All steps in the window are computed whether or not one
/// matches; if several match, the earliest is returned.
/// @returns the matching time step, or nullopt. @throws std::invalid_argument if window is not
/// 0 to 10 or params are invalid.
std::optional<std::int64_t> verify(const TotpSeed& seed, const OneTimeCode& code, std::int64_t now,
                                   int window = 1, const TotpParams& params = {});

}  // namespace gatehouse::otp
