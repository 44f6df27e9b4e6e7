#include "jose/openssl/crypto.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "core/base64url.hpp"
#include "core/error.hpp"
#include "jose/openssl/handles.hpp"

namespace gatehouse::jose {

namespace openssl {

std::string drain_errors(std::string_view what) {
  std::string message(what);
  bool first = true;
  const char* data = nullptr;
  int flags = 0;
  while (unsigned long code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
    char reason[256];
    ERR_error_string_n(code, reason, sizeof reason);
    message += first ? ": " : "; ";
    first = false;
    message += reason;
    if ((flags & ERR_TXT_STRING) != 0 && data != nullptr && *data != '\0') {
      message += " (";
      message += data;
      message += ')';
    }
  }
  return message;
}

void throw_crypto_error(std::string_view what) { throw CryptoError(drain_errors(what)); }

void clear_errors() noexcept { ERR_clear_error(); }

const EVP_MD* sha256_md() {
  // Fetched once and deliberately never freed: it lives as long as the process, and freeing it
  // from a static destructor could race OpenSSL's own atexit cleanup.
  static const EVP_MD* const md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched == nullptr) throw_crypto_error("EVP_MD_fetch(SHA256)");
    return fetched;
  }();
  return md;
}

}  // namespace openssl

namespace {

using openssl::bytes;
using openssl::throw_crypto_error;

constexpr std::size_t kSha256Size = 32;
constexpr std::size_t kAeadKeySize = 32;
constexpr std::size_t kAeadNonceSize = 12;
constexpr std::size_t kAeadTagSize = 16;

EVP_MAC* hmac_mac() {
  static EVP_MAC* const mac = [] {
    EVP_MAC* fetched = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (fetched == nullptr) throw_crypto_error("EVP_MAC_fetch(HMAC)");
    return fetched;
  }();
  return mac;
}

EVP_KDF* hkdf_kdf() {
  static EVP_KDF* const kdf = [] {
    EVP_KDF* fetched = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
    if (fetched == nullptr) throw_crypto_error("EVP_KDF_fetch(HKDF)");
    return fetched;
  }();
  return kdf;
}

const EVP_CIPHER* aes_256_gcm() {
  static const EVP_CIPHER* const cipher = [] {
    EVP_CIPHER* fetched = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    if (fetched == nullptr) throw_crypto_error("EVP_CIPHER_fetch(AES-256-GCM)");
    return fetched;
  }();
  return cipher;
}

// OSSL_PARAM wants a mutable pointer even for inputs it only reads.
OSSL_PARAM octet_param(const char* key, std::string_view value) {
  return OSSL_PARAM_construct_octet_string(key, const_cast<char*>(value.data()), value.size());
}
OSSL_PARAM digest_param(const char* key) {
  static char sha256_name[] = "SHA256";
  return OSSL_PARAM_construct_utf8_string(key, sha256_name, 0);
}

OSSL_PARAM hmac_digest_param(HmacHash hash) {
  static char sha1_name[] = "SHA1";
  static char sha256_name[] = "SHA256";
  static char sha512_name[] = "SHA512";
  char* name = hash == HmacHash::kSha1 ? sha1_name : hash == HmacHash::kSha512 ? sha512_name : sha256_name;
  return OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, name, 0);
}

}  // namespace

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  for (std::size_t done = 0; done < n;) {
    const int chunk = static_cast<int>(std::min<std::size_t>(n - done, INT_MAX));
    if (RAND_bytes(bytes(out) + done, chunk) != 1) throw_crypto_error("RAND_bytes");
    done += static_cast<std::size_t>(chunk);
  }
  return out;
}

std::string random_token(std::size_t bytes) { return base64url_encode(random_bytes(bytes)); }

std::string sha1(std::string_view data) {
  std::string out(20, '\0');
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), bytes(out), &len, EVP_sha1(), nullptr) != 1 || len != 20)
    throw_crypto_error("EVP_Digest(SHA1)");
  return out;
}

std::string sha256(std::string_view data) {
  std::string out(kSha256Size, '\0');
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), bytes(out), &len, openssl::sha256_md(), nullptr) != 1 ||
      len != kSha256Size) {
    throw_crypto_error("EVP_Digest(SHA256)");
  }
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  return hmac(HmacHash::kSha256, key, data);
}

std::string hmac(HmacHash hash, std::string_view key, std::string_view data) {
  openssl::EvpMacCtxPtr ctx(EVP_MAC_CTX_new(hmac_mac()));
  if (!ctx) throw_crypto_error("EVP_MAC_CTX_new");
  OSSL_PARAM params[] = {hmac_digest_param(hash), OSSL_PARAM_construct_end()};
  // A null key pointer means "keep the previous key" to EVP_MAC_init; an empty HMAC key is legal
  // (RFC 2104 zero-pads it), so always pass a real pointer.
  static constexpr unsigned char kNoKey = 0;
  const unsigned char* key_ptr = key.empty() ? &kNoKey : bytes(key);
  if (EVP_MAC_init(ctx.get(), key_ptr, key.size(), params) != 1) throw_crypto_error("EVP_MAC_init");
  if (EVP_MAC_update(ctx.get(), bytes(data), data.size()) != 1) throw_crypto_error("EVP_MAC_update");
  const std::size_t size = EVP_MAC_CTX_get_mac_size(ctx.get());
  std::string out(size, '\0');
  std::size_t len = 0;
  if (size == 0 || EVP_MAC_final(ctx.get(), bytes(out), &len, out.size()) != 1 || len != size) {
    throw_crypto_error("EVP_MAC_final");
  }
  return out;
}

std::string hkdf_sha256(std::string_view ikm, std::string_view salt, std::string_view info,
                        std::size_t length) {
  if (length == 0) return {};
  openssl::EvpKdfCtxPtr ctx(EVP_KDF_CTX_new(hkdf_kdf()));
  if (!ctx) throw_crypto_error("EVP_KDF_CTX_new");
  OSSL_PARAM params[5];
  std::size_t i = 0;
  params[i++] = digest_param(OSSL_KDF_PARAM_DIGEST);
  params[i++] = octet_param(OSSL_KDF_PARAM_KEY, ikm);
  // RFC 5869 §2.2: an absent salt means HashLen zero bytes, which is what OpenSSL does when the
  // parameter is not given. Likewise an absent info is the empty string.
  if (!salt.empty()) params[i++] = octet_param(OSSL_KDF_PARAM_SALT, salt);
  if (!info.empty()) params[i++] = octet_param(OSSL_KDF_PARAM_INFO, info);
  params[i] = OSSL_PARAM_construct_end();
  std::string out(length, '\0');
  if (EVP_KDF_derive(ctx.get(), bytes(out), out.size(), params) != 1) {
    throw_crypto_error("EVP_KDF_derive(HKDF-SHA256)");
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// A random 96-bit nonce per message: with one key, stay well below 2^32 seals (NIST SP 800-38D
// §8.3) - rotate the key long before that.
std::string aead_seal(std::string_view key, std::string_view plaintext, std::string_view aad) {
  if (key.size() != kAeadKeySize) throw CryptoError("aead_seal: the key must be 32 bytes");
  if (plaintext.size() > INT_MAX - kAeadNonceSize - kAeadTagSize || aad.size() > INT_MAX) {
    throw CryptoError("aead_seal: input too large");
  }
  std::string out(kAeadNonceSize + plaintext.size() + kAeadTagSize, '\0');
  unsigned char* nonce = bytes(out);
  unsigned char* ciphertext = nonce + kAeadNonceSize;
  unsigned char* tag = ciphertext + plaintext.size();
  if (RAND_bytes(nonce, kAeadNonceSize) != 1) throw_crypto_error("RAND_bytes");

  openssl::EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) throw_crypto_error("EVP_CIPHER_CTX_new");
  // GCM's default IV length is 12 bytes, so no EVP_CTRL_AEAD_SET_IVLEN is needed.
  if (EVP_EncryptInit_ex2(ctx.get(), aes_256_gcm(), bytes(key), nonce, nullptr) != 1) {
    throw_crypto_error("EVP_EncryptInit_ex2");
  }
  int len = 0;
  if (!aad.empty() &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1) {
    throw_crypto_error("EVP_EncryptUpdate(aad)");
  }
  int written = 0;
  if (!plaintext.empty()) {
    if (EVP_EncryptUpdate(ctx.get(), ciphertext, &written, bytes(plaintext),
                          static_cast<int>(plaintext.size())) != 1) {
      throw_crypto_error("EVP_EncryptUpdate");
    }
  }
  int final_len = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), ciphertext + written, &final_len) != 1) {
    throw_crypto_error("EVP_EncryptFinal_ex");
  }
  if (static_cast<std::size_t>(written + final_len) != plaintext.size()) {
    throw CryptoError("aead_seal: unexpected ciphertext length");
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, kAeadTagSize, tag) != 1) {
    throw_crypto_error("EVP_CTRL_AEAD_GET_TAG");
  }
  return out;
}

std::optional<std::string> aead_open(std::string_view key, std::string_view sealed,
                                     std::string_view aad) {
  // Malformed input is an expected outcome here, not a fault: never throw for it.
  if (key.size() != kAeadKeySize || sealed.size() < kAeadNonceSize + kAeadTagSize) return std::nullopt;
  if (sealed.size() > INT_MAX || aad.size() > INT_MAX) return std::nullopt;
  const std::size_t ciphertext_size = sealed.size() - kAeadNonceSize - kAeadTagSize;
  const unsigned char* nonce = bytes(sealed);
  const unsigned char* ciphertext = nonce + kAeadNonceSize;
  const unsigned char* tag = ciphertext + ciphertext_size;

  openssl::EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) throw_crypto_error("EVP_CIPHER_CTX_new");
  if (EVP_DecryptInit_ex2(ctx.get(), aes_256_gcm(), bytes(key), nonce, nullptr) != 1) {
    throw_crypto_error("EVP_DecryptInit_ex2");
  }
  int len = 0;
  if (!aad.empty() &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1) {
    openssl::clear_errors();
    return std::nullopt;
  }
  std::string plaintext(ciphertext_size, '\0');
  int written = 0;
  if (ciphertext_size > 0 &&
      EVP_DecryptUpdate(ctx.get(), bytes(plaintext), &written, ciphertext,
                        static_cast<int>(ciphertext_size)) != 1) {
    openssl::clear_errors();
    return std::nullopt;
  }
  // OpenSSL copies the tag; the ctrl interface just is not const-correct.
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, kAeadTagSize,
                          const_cast<unsigned char*>(tag)) != 1) {
    throw_crypto_error("EVP_CTRL_AEAD_SET_TAG");
  }
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), bytes(plaintext) + written, &final_len) != 1) {
    // Unauthenticated plaintext must not linger in freed memory.
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    openssl::clear_errors();
    return std::nullopt;
  }
  return plaintext;
}

}  // namespace gatehouse::jose
