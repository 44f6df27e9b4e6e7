#include "http/tls.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/context.hpp>

#include "core/error.hpp"
#include "core/log.hpp"

namespace gatehouse::http {
namespace {

namespace ssl = boost::asio::ssl;

std::string leaf_fingerprint(ssl::context& context) {
  X509* cert = SSL_CTX_get0_certificate(context.native_handle());
  if (cert == nullptr) return {};
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_digest(cert, EVP_sha256(), md, &n) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

/// A server context for the pair, TLS 1.2 and later. @throws std::runtime_error with the reason.
std::shared_ptr<ssl::context> load(const std::string& cert_file, const std::string& key_file) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  context->use_certificate_chain_file(cert_file, ec);
  if (ec) throw std::runtime_error("tls_cert_file " + cert_file + ": " + ec.message());
  context->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) throw std::runtime_error("tls_key_file " + key_file + ": " + ec.message());
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    ERR_clear_error();
    throw std::runtime_error("tls_key_file " + key_file + " does not match the certificate in " + cert_file);
  }
  return context;
}

}  // namespace

TlsCertificates::TlsCertificates(std::string cert_file, std::string key_file)
    : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {
  try {
    current_ = load(cert_file_, key_file_);
    fingerprint_ = leaf_fingerprint(*current_);
  } catch (const std::exception& e) {
    throw StartupError(std::string("server.") + e.what());
  }
}

TlsCertificates::~TlsCertificates() = default;

bool TlsCertificates::reload() {
  try {
    auto next = load(cert_file_, key_file_);
    auto fingerprint = leaf_fingerprint(*next);
    std::lock_guard lock(mutex_);
    current_ = std::move(next);
    fingerprint_ = std::move(fingerprint);
    spdlog::info("TLS certificate reloaded (sha256 {})", fingerprint_);
    return true;
  } catch (const std::exception& e) {
    spdlog::error("TLS certificate not reloaded, keeping the current one (sha256 {}): {}", fingerprint(), e.what());
    return false;
  }
}

std::shared_ptr<ssl::context> TlsCertificates::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

std::string TlsCertificates::fingerprint() const {
  std::lock_guard lock(mutex_);
  return fingerprint_;
}

}  // namespace gatehouse::http
