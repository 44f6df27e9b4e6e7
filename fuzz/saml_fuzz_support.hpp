#pragma once
// What the SAML fuzz targets share: the keys they trust (made once per process from the
// certificates in saml_fuzz_keys.hpp, which signed the seeds), the checks every AuthnRequest read
// must pass, and an optional trace (SAML_FUZZ_TRACE=1 prints how far each input got, to check that
// the seeds reach the signature and reading paths: build-fuzz/<target> fuzz/corpus/<name>/*).

#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "saml/authn_request.hpp"
#include "saml/keys.hpp"
#include "saml_fuzz_keys.hpp"

namespace gatehouse::saml::fuzzing {

/// The trusted keys: RSA 2048 and EC P-256. Traps if the certificates do not load (a broken build).
inline const std::vector<TrustedKey>& trusted_keys() {
  static const std::vector<TrustedKey> keys = [] {
    std::vector<TrustedKey> out;
    for (const char* certificate : {kRsaCertificate, kEcCertificate}) {
      auto key = TrustedKey::from_certificate_base64(certificate);
      if (!key) __builtin_trap();
      out.push_back(*key);
    }
    return out;
  }();
  return keys;
}

/// Prints "stage: outcome" when SAML_FUZZ_TRACE is set; nothing otherwise.
inline void trace(std::string_view stage, std::string_view outcome) {
  static const bool on = std::getenv("SAML_FUZZ_TRACE") != nullptr;
  if (on) std::fprintf(stderr, "%.*s: %.*s\n", static_cast<int>(stage.size()), stage.data(),
                       static_cast<int>(outcome.size()), outcome.data());
}

/// What read_authn_request promises of what it accepts.
inline void check_request(const AuthnRequest& r) {
  if (r.id.empty() || r.id.size() > 256) __builtin_trap();
  if (r.issuer.empty() || r.issuer.size() > 1024) __builtin_trap();
  if (r.acs_index && (!r.acs_url.empty() || !r.protocol_binding.empty())) __builtin_trap();
  if (r.acs_index && (*r.acs_index < 0 || *r.acs_index > 65535)) __builtin_trap();
  if (r.requested_context) {
    const auto& c = *r.requested_context;
    if (c.classes.empty() || c.classes.size() > 20) __builtin_trap();
    if (c.comparison != "exact" && c.comparison != "minimum" && c.comparison != "maximum" && c.comparison != "better")
      __builtin_trap();
  }
}

}  // namespace gatehouse::saml::fuzzing
