#pragma once
// Test fixtures for saml/: keys with self-signed certificates made at run time, PEM files for
// the xmlsec1 command line tool in a temporary directory, and a way to run the tool.

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "jose/jws.hpp"
#include "saml/encoding.hpp"
#include "saml/keys.hpp"

namespace gatehouse::saml::testing {

struct TestKey {
  std::string private_der;
  std::string certificate_der;
  SigningKey signing;
  TrustedKey trusted;
};

inline TestKey make_test_key(jose::Algorithm alg, std::string_view cn) {
  auto pair = jose::KeyPair::generate(alg);
  const auto now = std::chrono::system_clock::now();
  auto cert = self_signed_certificate(pair, cn, 1, now - std::chrono::hours(1), now + std::chrono::hours(24 * 365));
  if (!cert) throw std::runtime_error(cert.error());
  auto signing = SigningKey::from_pkcs8(pair.private_der(), *cert);
  auto trusted = TrustedKey::from_certificate_der(*cert);
  if (!signing || !trusted) throw std::runtime_error("test key");
  return TestKey{pair.private_der(), *cert, *signing, *trusted};
}

inline std::string pem(std::string_view label, std::string_view der) {
  return "-----BEGIN " + std::string(label) + "-----\n" + base64_encode(der, 64) + "\n-----END " + std::string(label) + "-----\n";
}

/// A fresh temporary directory, removed with the object.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "saml_test.XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp");
    path_ = pattern;
  }
  ~TempDir() { std::error_code ec; std::filesystem::remove_all(path_, ec); }
  std::string write(const std::string& name, std::string_view content) const {
    const auto p = path_ / name;
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }
  std::string read(const std::string& name) const {
    std::ifstream in(path_ / name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::string path(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline bool have_xmlsec1_tool() { return std::system("xmlsec1 --version >/dev/null 2>&1") == 0; }

/// Runs `xmlsec1 <arguments>` with its output in dir/xmlsec1.log; true when it exits 0.
inline bool run_xmlsec1(const TempDir& dir, const std::string& arguments) {
  const std::string command = "xmlsec1 " + arguments + " >" + dir.path("xmlsec1.log") + " 2>&1";
  return std::system(command.c_str()) == 0;
}

}  // namespace gatehouse::saml::testing
