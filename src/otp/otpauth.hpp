#pragma once
// The otpauth:// URI an authenticator app reads (the Key Uri Format of Google Authenticator):
//   otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER&algorithm=SHA1&digits=6&period=30
// The issuer and account are percent-encoded (a space as %20); the ':' between them stays literal.
// An issuer or account that itself contains ':' is refused rather than encoded: the format forbids
// it, and apps that split the label on the first ':' (encoded or not) would show the wrong issuer.

#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/secret.hpp"
#include "otp/totp.hpp"

namespace gatehouse::otp {

/// The URI carries the seed in clear: it is shown once to the user, never logged or stored.
using OtpauthUri = Secret<struct OtpauthUriTag>;

/// @returns the URI, or a message if issuer or account is empty, not UTF-8 text, or has a ':'.
/// @throws std::invalid_argument if params are invalid (digits not 6 to 8, period <= 0).
Result<OtpauthUri, std::string> otpauth_uri(const TotpSeed& seed, std::string_view issuer,
                                            std::string_view account, const TotpParams& params = {});

}  // namespace gatehouse::otp
