// libFuzzer target for the Single Logout messages an SP sends to /saml/slo (issue 14), the front
// door's paths in src/saml/slo.cpp and slo_soap.cpp. The first byte picks the binding:
//   'R'  the rest is a raw HTTP-Redirect query: parse_redirect_query, the detached signature with
//        fixed trusted keys, base64, inflate (capped), parse, then read_logout_request or
//        read_logout_response as the parameter says;
//   'P'  the rest is the HTTP-POST form value (base64): parse, read either message by its root,
//        and the enveloped signature on the root;
//   'S'  the rest is a SOAP envelope: parse, soap_body_element, read_logout_request, the enveloped
//        signature on that element.
// Whatever is accepted must keep read_logout_request's promises. Any input must give a value or a
// refusal, never a crash, a sanitizer report, a leak or a hang. Built and run by scripts/fuzz.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "saml/dsig.hpp"
#include "saml/encoding.hpp"
#include "saml/logout.hpp"
#include "saml/protocol.hpp"
#include "saml/redirect_signature.hpp"
#include "saml/soap.hpp"
#include "saml/xml.hpp"
#include "saml_fuzz_support.hpp"

namespace {

using namespace gatehouse::saml;
using namespace gatehouse::saml::fuzzing;

constexpr std::size_t kMaxMessageBytes = 256 * 1024;  // the caps of src/saml/binding.hpp
constexpr std::size_t kMaxQueryBytes = 64 * 1024;

void check(const LogoutRequest& r) {
  if (!is_ncname(r.id) || r.issuer.empty() || r.issuer.size() > 1024) __builtin_trap();
  if (r.name_id.value.empty() || r.session_indexes.size() > kMaxSessionIndexes) __builtin_trap();
  for (const auto& i : r.session_indexes)
    if (i.empty()) __builtin_trap();
}

void read_either(const xmlNode* root) {
  if (auto request = read_logout_request(root)) {
    check(*request);
    trace("read", "LogoutRequest");
    return;
  } else {
    trace("read", request.error());
  }
  auto response = read_logout_response(root);
  trace("read", response ? "LogoutResponse" : response.error());
  if (response && (response->status.empty() || !is_ncname(response->id))) __builtin_trap();
}

void redirect(std::string_view query) {
  auto q = parse_redirect_query(query, kMaxQueryBytes);
  trace("query", q ? "parsed" : q.error());
  if (!q) return;
  if (q->sig_alg) {
    auto verified = verify_redirect_signature(q->signed_octets, *q->sig_alg, q->signature, trusted_keys());
    trace("signature", verified ? "verified" : verified.error());
  }
  auto deflated = base64_decode(q->message);
  if (!deflated) return;
  auto xml = inflate_raw(*deflated, kMaxMessageBytes);
  trace("inflate", xml ? "inflated" : xml.error());
  if (!xml) return;
  auto doc = parse(*xml, kMaxMessageBytes);
  trace("parse", doc ? "parsed" : doc.error());
  if (doc) read_either(doc->root());
}

void post(std::string_view value) {
  auto xml = base64_decode(value);
  if (!xml) return;
  auto doc = parse(*xml, kMaxMessageBytes);
  trace("parse", doc ? "parsed" : doc.error());
  if (!doc || doc->root() == nullptr) return;
  read_either(doc->root());
  auto verified = verify_enveloped(*doc, doc->root(), trusted_keys());
  trace("signature", verified ? "verified" : verified.error());
}

void soap(std::string_view body) {
  auto doc = parse(body, 64 * 1024);
  trace("parse", doc ? "parsed" : doc.error());
  if (!doc) return;
  auto element = soap_body_element(*doc, "LogoutRequest");
  trace("body", element ? "found" : element.error());
  if (!element) return;
  auto request = read_logout_request(*element);
  trace("read", request ? "LogoutRequest" : request.error());
  if (!request) return;
  check(*request);
  auto verified = verify_enveloped(*doc, *element, trusted_keys());
  trace("signature", verified ? "verified" : verified.error());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0]) {
    case 'R': redirect(rest); break;
    case 'P': post(rest); break;
    case 'S': soap(rest); break;
    default: break;
  }
  return 0;
}
