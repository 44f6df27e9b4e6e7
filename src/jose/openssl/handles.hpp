#pragma once
// Internal to jose/: RAII owners for OpenSSL objects, byte-pointer casts, error draining and the
// algorithm objects fetched once per process. No raw OpenSSL pointer outlives the statement that
// produced it (C9). Not part of the public contract: include only from src/jose/*.cpp.

#include <memory>
#include <string>
#include <string_view>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>

namespace gatehouse::jose::openssl {

/// Deleter calling an OpenSSL free function; empty, so the unique_ptr stays one pointer wide.
template <auto FreeFn>
struct Free {
  template <class T>
  void operator()(T* p) const noexcept {
    FreeFn(p);
  }
};

using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, Free<&EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Free<&EVP_PKEY_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, Free<&EVP_MD_CTX_free>>;
using EvpCipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, Free<&EVP_CIPHER_CTX_free>>;
using EvpMacCtxPtr = std::unique_ptr<EVP_MAC_CTX, Free<&EVP_MAC_CTX_free>>;
using EvpKdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, Free<&EVP_KDF_CTX_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Free<&BN_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Free<&ECDSA_SIG_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Free<&OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Free<&OSSL_PARAM_free>>;
using EncoderCtxPtr = std::unique_ptr<OSSL_ENCODER_CTX, Free<&OSSL_ENCODER_CTX_free>>;
using DecoderCtxPtr = std::unique_ptr<OSSL_DECODER_CTX, Free<&OSSL_DECODER_CTX_free>>;

/// Memory OpenSSL allocated for us that may hold key material: wiped before it is freed.
struct ClearFree {
  std::size_t size = 0;
  void operator()(unsigned char* p) const noexcept { OPENSSL_clear_free(p, size); }
};
using SecretBufferPtr = std::unique_ptr<unsigned char, ClearFree>;

inline const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
inline unsigned char* bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

/// Empties this thread's OpenSSL error queue into "<what>: <reason>; <reason>...".
std::string drain_errors(std::string_view what);
/// @throws CryptoError carrying drain_errors(what).
[[noreturn]] void throw_crypto_error(std::string_view what);
/// Discards queued errors after an expected failure (bad signature, bad tag), so they cannot be
/// misattributed to a later, unrelated call on the same thread.
void clear_errors() noexcept;

/// SHA-256, fetched once per process (a fetch per call costs a locked name-store lookup).
/// @throws CryptoError if the default provider cannot supply it.
const EVP_MD* sha256_md();

}  // namespace gatehouse::jose::openssl
