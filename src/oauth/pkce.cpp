#include "oauth/pkce.hpp"

#include <algorithm>

#include "core/base64url.hpp"
#include "jose/openssl/crypto.hpp"

namespace gatehouse::oauth {
namespace {

bool unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

}  // namespace

bool valid_code_verifier(std::string_view verifier) {
  return verifier.size() >= 43 && verifier.size() <= 128 && std::all_of(verifier.begin(), verifier.end(), unreserved);
}

bool valid_code_challenge(std::string_view challenge) {
  if (challenge.size() != 43) return false;
  auto decoded = base64url_decode(challenge);
  return decoded && decoded->size() == 32;
}

bool pkce_matches(std::string_view verifier, std::string_view challenge) {
  if (!valid_code_verifier(verifier)) return false;
  return jose::constant_time_equal(base64url_encode(jose::sha256(verifier)), challenge);
}

}  // namespace gatehouse::oauth
