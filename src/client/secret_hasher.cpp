#include "client/secret_hasher.hpp"

#include "jose/openssl/crypto.hpp"

namespace gatehouse::client {

std::string SecretHasher::hash(std::string_view secret) const { return jose::hmac_sha256(key_.reveal(), secret); }

bool SecretHasher::matches(std::string_view secret, std::string_view stored_hash) const {
  return jose::constant_time_equal(hash(secret), stored_hash);
}

}  // namespace gatehouse::client
