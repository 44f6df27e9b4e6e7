// libFuzzer target for an AuthnRequest received by the HTTP-POST binding (issue 14), the front
// door's path in src/saml/sso.cpp: the SAMLRequest form value (base64) -> base64_decode -> parse
// (capped) -> read_authn_request, then verify_enveloped on the root with fixed trusted keys (the
// XML Signature checks and xmlsec1 under them), and once more after a serialise / re-parse round
// trip, which must read the same request. Any input must give a value or a refusal, never a crash,
// a sanitizer report, a leak or a hang. Built and run by scripts/fuzz.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "saml/authn_request.hpp"
#include "saml/dsig.hpp"
#include "saml/encoding.hpp"
#include "saml/xml.hpp"
#include "saml_fuzz_support.hpp"

namespace {

constexpr std::size_t kMaxMessageBytes = 256 * 1024;  // the cap of src/saml/sso.cpp

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gatehouse::saml;
  using namespace gatehouse::saml::fuzzing;
  auto xml = base64_decode({reinterpret_cast<const char*>(data), size});
  trace("base64", xml ? "decoded" : "refused");
  if (!xml) return 0;
  auto doc = parse(*xml, kMaxMessageBytes);
  trace("parse", doc ? "parsed" : doc.error());
  if (!doc) return 0;
  auto request = read_authn_request(*doc);
  trace("read", request ? "read" : request.error());
  if (request) {
    check_request(*request);
    // What is accepted must survive being written out and read again unchanged.
    auto again = parse(serialize(*doc), 2 * kMaxMessageBytes);
    if (again) {
      auto reread = read_authn_request(*again);
      if (!reread || reread->id != request->id || reread->issuer != request->issuer ||
          reread->acs_url != request->acs_url || reread->has_signature != request->has_signature)
        __builtin_trap();
    }
  }
  // The signature checks run on whatever root there is (the front door only does so for an
  // AuthnRequest with a Signature; here every parse reaches them).
  if (doc->root() != nullptr) {
    auto verified = verify_enveloped(*doc, doc->root(), trusted_keys());
    trace("signature", verified ? "verified" : verified.error());
  }
  return 0;
}
