// libFuzzer target for an AuthnRequest received by the HTTP-Redirect binding (issue 14), the
// front door's path in src/saml/sso.cpp: the raw query string -> parse_redirect_query -> the
// detached signature checked with fixed trusted keys (verify_redirect_signature) -> base64_decode
// -> inflate_raw (capped) -> parse (capped) -> read_authn_request. Any input must give a value or
// a refusal, never a crash, a sanitizer report, a leak, a hang or more than the caps. Also feeds
// the raw input to inflate_raw directly, so the inflater sees bytes that are not base64 first.
// Built and run by scripts/fuzz.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "saml/authn_request.hpp"
#include "saml/encoding.hpp"
#include "saml/redirect_signature.hpp"
#include "saml/xml.hpp"
#include "saml_fuzz_support.hpp"

namespace {

// The caps of src/saml/sso.cpp.
constexpr std::size_t kMaxQueryBytes = 64 * 1024;
constexpr std::size_t kMaxMessageBytes = 256 * 1024;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gatehouse::saml;
  using namespace gatehouse::saml::fuzzing;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto raw = inflate_raw(input, kMaxMessageBytes); raw && raw->size() > kMaxMessageBytes) __builtin_trap();

  auto query = parse_redirect_query(input, kMaxQueryBytes);
  trace("query", query ? "read" : query.error());
  if (!query) return 0;
  if (query->parameter != "SAMLRequest" && query->parameter != "SAMLResponse") __builtin_trap();
  if (!query->signed_octets.starts_with(query->parameter + "=")) __builtin_trap();
  if (query->sig_alg) {
    auto verified = verify_redirect_signature(query->signed_octets, *query->sig_alg, query->signature, trusted_keys());
    trace("signature", verified ? "verified" : verified.error());
  }
  auto deflated = base64_decode(query->message);
  trace("base64", deflated ? "decoded" : "refused");
  if (!deflated) return 0;
  auto inflated = inflate_raw(*deflated, kMaxMessageBytes);
  trace("inflate", inflated ? "inflated" : inflated.error());
  if (!inflated) return 0;
  if (inflated->size() > kMaxMessageBytes) __builtin_trap();
  auto doc = parse(*inflated, kMaxMessageBytes);
  trace("parse", doc ? "parsed" : doc.error());
  if (!doc) return 0;
  auto request = read_authn_request(*doc);
  trace("read", request ? "read" : request.error());
  if (request) check_request(*request);
  return 0;
}
