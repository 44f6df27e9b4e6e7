#include "saml/redirect_signature.hpp"

#include <memory>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "http/percent.hpp"
#include "saml/dsig.hpp"
#include "saml/encoding.hpp"

namespace gatehouse::saml {
namespace {

template <auto FreeFn>
struct Free {
  template <class T>
  void operator()(T* p) const noexcept { FreeFn(p); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Free<&EVP_MD_CTX_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Free<&ECDSA_SIG_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Free<&BN_free>>;

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

const EVP_MD* digest_for(std::string_view sig_alg) {
  if (sig_alg == kRsaSha256 || sig_alg == kEcdsaSha256) return EVP_sha256();
  if (sig_alg == kRsaSha512 || sig_alg == kEcdsaSha512) return EVP_sha512();
  return nullptr;
}

// The byte length of r and of s for an EC key: that of the group order.
std::size_t ec_scalar_size(EVP_PKEY* key) { return static_cast<std::size_t>((EVP_PKEY_get_bits(key) + 7) / 8); }

// r || s (XML Signature) to the DER ECDSA-Sig-Value OpenSSL verifies; nullopt on a bad length.
std::optional<std::string> ecdsa_raw_to_der(std::string_view raw, std::size_t scalar) {
  if (raw.size() != 2 * scalar) return std::nullopt;
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BignumPtr r(BN_bin2bn(bytes(raw), static_cast<int>(scalar), nullptr));
  BignumPtr s(BN_bin2bn(bytes(raw) + scalar, static_cast<int>(scalar), nullptr));
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return std::nullopt;
  r.release();
  s.release();
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::optional<std::string> ecdsa_der_to_raw(std::string_view der, std::size_t scalar) {
  const unsigned char* p = bytes(der);
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return std::nullopt;
  std::string out(2 * scalar, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), o, static_cast<int>(scalar)) < 0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), o + scalar, static_cast<int>(scalar)) < 0) {
    return std::nullopt;
  }
  return out;
}

bool verify_with(EVP_PKEY* key, const EVP_MD* md, std::string_view octets, std::string_view signature) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  const bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) == 1 &&
                  EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(), bytes(octets), octets.size()) == 1;
  ERR_clear_error();  // a bad signature is an expected outcome
  return ok;
}

// A query value as the binding means it: percent-decoded, "+" a space (the query is form-encoded).
// The signature is checked over the raw octets, never over this.
std::optional<std::string> query_value(std::string_view raw) {
  std::string out;
  if (!http::percent_decode(raw, out, true)) return std::nullopt;
  return out;
}

}  // namespace

Result<void, std::string> verify_redirect_signature(std::string_view signed_octets, std::string_view sig_alg,
                                                    std::string_view signature, const std::vector<TrustedKey>& keys) {
  const auto type = signature_algorithm_key_type(sig_alg);
  const EVP_MD* md = digest_for(sig_alg);
  if (!type || md == nullptr) return unexpected("redirect signature: SigAlg refused: " + std::string(sig_alg));
  bool tried = false;
  for (const TrustedKey& key : keys) {
    if (key.type() != *type) continue;
    tried = true;
    if (*type == KeyType::kRsa) {
      if (verify_with(key.native(), md, signed_octets, signature)) return {};
    } else if (auto der = ecdsa_raw_to_der(signature, ec_scalar_size(key.native()))) {
      if (verify_with(key.native(), md, signed_octets, *der)) return {};
    }
  }
  if (!tried) return unexpected("redirect signature: no trusted key of the type " + std::string(sig_alg) + " needs");
  return unexpected(std::string("redirect signature: does not verify with any trusted key"));
}

Result<std::string, std::string> signature_value(std::string_view signed_octets, const SigningKey& key) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.native()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, bytes(signed_octets), signed_octets.size()) != 1) {
    ERR_clear_error();
    return unexpected(std::string("signing: OpenSSL could not sign"));
  }
  std::string out(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, bytes(signed_octets),
                     signed_octets.size()) != 1) {
    ERR_clear_error();
    return unexpected(std::string("signing: OpenSSL could not sign"));
  }
  out.resize(len);
  if (key.type() == KeyType::kRsa) return out;
  auto raw = ecdsa_der_to_raw(out, ec_scalar_size(key.native()));
  if (!raw) return unexpected(std::string("signing: bad ECDSA signature from OpenSSL"));
  return *raw;
}

namespace {

// The raw (still URL-encoded) values of the parameters the binding defines.
struct RawQuery {
  std::optional<std::string_view> request, response, relay_state, sig_alg, signature;
};

Result<RawQuery, std::string> split_query(std::string_view query) {
  RawQuery raw;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = pair.find('=');
    const std::string_view name = pair.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    std::optional<std::string_view>* slot = name == "SAMLRequest"    ? &raw.request
                                            : name == "SAMLResponse" ? &raw.response
                                            : name == "RelayState"   ? &raw.relay_state
                                            : name == "SigAlg"       ? &raw.sig_alg
                                            : name == "Signature"    ? &raw.signature
                                                                     : nullptr;
    if (slot == nullptr) continue;
    if (slot->has_value()) return unexpected("redirect: " + std::string(name) + " appears twice");
    *slot = value;
  }
  if (raw.request.has_value() == raw.response.has_value()) {
    return unexpected(std::string("redirect: not exactly one of SAMLRequest and SAMLResponse"));
  }
  if (raw.sig_alg.has_value() != raw.signature.has_value()) {
    return unexpected(std::string("redirect: SigAlg and Signature must come together"));
  }
  return raw;
}

}  // namespace

Result<RedirectQuery, std::string> parse_redirect_query(std::string_view raw_query, std::size_t max_bytes) {
  if (raw_query.size() > max_bytes) return unexpected("redirect: query over " + std::to_string(max_bytes) + " bytes");
  auto raw = split_query(raw_query);
  if (!raw) return unexpected(raw.error());
  RedirectQuery out;
  out.parameter = raw->request ? "SAMLRequest" : "SAMLResponse";
  const std::string_view message = raw->request ? *raw->request : *raw->response;
  out.signed_octets = out.parameter + "=" + std::string(message);
  auto decoded = query_value(message);
  if (!decoded) return unexpected("redirect: " + out.parameter + " is not valid URL encoding");
  out.message = std::move(*decoded);
  if (raw->relay_state) {
    out.signed_octets += "&RelayState=" + std::string(*raw->relay_state);
    out.relay_state = query_value(*raw->relay_state);
    if (!out.relay_state) return unexpected(std::string("redirect: RelayState is not valid URL encoding"));
  }
  if (raw->sig_alg) {
    out.signed_octets += "&SigAlg=" + std::string(*raw->sig_alg);
    out.sig_alg = query_value(*raw->sig_alg);
    auto signature = query_value(*raw->signature);
    auto signature_bytes = signature ? base64_decode(*signature) : std::nullopt;
    if (!out.sig_alg || !signature_bytes || signature_bytes->empty()) {
      return unexpected(std::string("redirect: SigAlg or Signature is not valid"));
    }
    out.signature = std::move(*signature_bytes);
  }
  return out;
}

Result<std::string, std::string> build_redirect_query(std::string_view parameter, std::string_view xml,
                                                      std::string_view relay_state, const SigningKey* key) {
  std::string query = std::string(parameter) + "=" + http::percent_encode(base64_encode(deflate_raw(xml)));
  if (!relay_state.empty()) query += "&RelayState=" + http::percent_encode(relay_state);
  if (key == nullptr) return query;
  query += "&SigAlg=" + http::percent_encode(signature_algorithm_of(*key));
  auto signature = signature_value(query, *key);
  if (!signature) return unexpected(signature.error());
  return query + "&Signature=" + http::percent_encode(base64_encode(*signature));
}

}  // namespace gatehouse::saml
