#include "signin/csrf.hpp"

#include "core/base64url.hpp"
#include "jose/openssl/crypto.hpp"

namespace gatehouse::signin {
namespace {

constexpr std::size_t kNonceBytes = 24;    // 32 base64url characters
constexpr std::size_t kNonceChars = 32;
constexpr std::size_t kMacChars = 43;      // base64url of 32 bytes

std::string mac_of(const CsrfKey& key, std::string_view form, std::string_view nonce) {
  std::string data;
  data.reserve(form.size() + 1 + nonce.size());
  data.append(form).append(1, '\n').append(nonce);
  return base64url_encode(jose::hmac_sha256(key.reveal(), data));
}

}  // namespace

std::string issue_csrf_token(const CsrfKey& key, std::string_view form) {
  const auto nonce = jose::random_token(kNonceBytes);
  return nonce + "." + mac_of(key, form, nonce);
}

bool valid_csrf_token(const CsrfKey& key, std::string_view form, std::string_view token) {
  if (token.size() != kNonceChars + 1 + kMacChars || token[kNonceChars] != '.') return false;
  const auto nonce = token.substr(0, kNonceChars);
  return jose::constant_time_equal(mac_of(key, form, nonce), token.substr(kNonceChars + 1));
}

}  // namespace gatehouse::signin
