#include "otp/otpauth.hpp"

#include <stdexcept>

#include "core/utf8.hpp"
#include "http/router.hpp"
#include "otp/base32.hpp"

namespace gatehouse::otp {

namespace {

const char* algorithm_name(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::kSha1: return "SHA1";
    case Algorithm::kSha256: return "SHA256";
    case Algorithm::kSha512: return "SHA512";
  }
  throw std::invalid_argument("otp: unknown algorithm");
}

/// @returns an empty string if `value` may be a label part, else what is wrong with it.
std::string label_part_problem(std::string_view what, std::string_view value) {
  if (value.empty()) return std::string(what) + " is empty";
  if (!is_utf8_text(value)) return std::string(what) + " is not UTF-8 text";
  if (value.find(':') != std::string_view::npos) return std::string(what) + " contains ':'";
  return {};
}

}  // namespace

Result<OtpauthUri, std::string> otpauth_uri(const TotpSeed& seed, std::string_view issuer,
                                            std::string_view account, const TotpParams& params) {
  if (params.digits < 6 || params.digits > 8) throw std::invalid_argument("otp: digits must be 6 to 8");
  if (params.period <= 0) throw std::invalid_argument("otp: period must be positive");
  for (const auto& problem : {label_part_problem("otpauth: the issuer", issuer),
                              label_part_problem("otpauth: the account", account)}) {
    if (!problem.empty()) return unexpected(problem);
  }
  const std::string encoded_issuer = http::percent_encode(issuer);
  std::string uri = "otpauth://totp/" + encoded_issuer + ':' + http::percent_encode(account) + "?secret=";
  {
    // Appended in place so the seed's text is in no temporary that outlives this function unwiped.
    std::string secret = base32_encode(seed.reveal());
    uri.reserve(uri.size() + secret.size() + encoded_issuer.size() + 64);
    uri += secret;
    wipe(secret.data(), secret.size());
  }
  uri += "&issuer=";
  uri += encoded_issuer;
  uri += "&algorithm=";
  uri += algorithm_name(params.algorithm);
  uri += "&digits=" + std::to_string(params.digits) + "&period=" + std::to_string(params.period);
  return OtpauthUri(std::move(uri));
}

}  // namespace gatehouse::otp
