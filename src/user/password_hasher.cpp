#include "user/password_hasher.hpp"

#include <argon2.h>

#include <cstdio>
#include <vector>

#include "core/error.hpp"
#include "jose/openssl/crypto.hpp"

namespace gatehouse::user {
namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;

std::string encode(const Argon2Params& p, std::string_view password, const std::string& salt) {
  const std::size_t length = argon2_encodedlen(p.iterations, p.memory_kib, p.parallelism, kSaltBytes, kHashBytes,
                                               Argon2_id);
  std::vector<char> out(length);
  int rc = argon2id_hash_encoded(p.iterations, p.memory_kib, p.parallelism, password.data(), password.size(),
                                 salt.data(), salt.size(), kHashBytes, out.data(), out.size());
  if (rc != ARGON2_OK) throw CryptoError(std::string("argon2id: ") + argon2_error_message(rc));
  return std::string(out.data());
}

}  // namespace

std::string PasswordHasher::hash(const Password& password) const {
  return encode(params_, password.reveal(), jose::random_bytes(kSaltBytes));
}

bool PasswordHasher::verify(const Password& password, const std::string& phc) const {
  if (phc.rfind("$argon2id$", 0) != 0) return false;
  return argon2id_verify(phc.c_str(), password.reveal().data(), password.reveal().size()) == ARGON2_OK;
}

bool PasswordHasher::needs_rehash(const std::string& phc) const {
  char expected[96];
  std::snprintf(expected, sizeof expected, "$argon2id$v=19$m=%u,t=%u,p=%u$", params_.memory_kib, params_.iterations,
                params_.parallelism);
  return phc.rfind(expected, 0) != 0;
}

void PasswordHasher::verify_dummy(const Password& password) const {
  // A fixed hash with the current parameters; computed once per parameter set.
  static thread_local std::string dummy;
  static thread_local std::string dummy_params;
  auto key = std::to_string(params_.memory_kib) + "/" + std::to_string(params_.iterations) + "/" +
             std::to_string(params_.parallelism);
  if (dummy_params != key) {
    dummy = hash(Password("gatehouse dummy password"));
    dummy_params = key;
  }
  (void)verify(password, dummy);
}

}  // namespace gatehouse::user
