// libFuzzer target for the SOAP binding's ArtifactResolve (issue 14), the path of /saml/artifact
// in src/saml/artifact.cpp up to the store: the request body -> parse (capped) ->
// read_artifact_resolve (the envelope, the ArtifactResolve's fields) -> verify_enveloped on the
// ArtifactResolve with fixed trusted keys -> artifact_message_handle. Any input must give a value
// or a refusal, never a crash, a sanitizer report, a leak or a hang. Built and run by scripts/fuzz.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "saml/dsig.hpp"
#include "saml/soap.hpp"
#include "saml/xml.hpp"
#include "saml_fuzz_support.hpp"

namespace {

constexpr std::size_t kMaxResolveBytes = 64 * 1024;  // the cap of src/saml/artifact.cpp
constexpr std::string_view kIdp = "https://idp.example.com/saml";  // the entity ID the seeds' artifacts name

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gatehouse::saml;
  using namespace gatehouse::saml::fuzzing;
  auto doc = parse({reinterpret_cast<const char*>(data), size}, kMaxResolveBytes);
  trace("parse", doc ? "parsed" : doc.error());
  if (!doc) return 0;
  auto resolve = read_artifact_resolve(*doc);
  trace("read", resolve ? "read" : resolve.error());
  if (!resolve) return 0;
  if (resolve->id.empty() || !is_element(resolve->element, kNsProtocol, "ArtifactResolve")) __builtin_trap();
  if (first_child(resolve->element, kNsDsig, "Signature") != nullptr) {
    auto verified = verify_enveloped(*doc, resolve->element, trusted_keys());
    trace("signature", verified ? "verified" : verified.error());
  }
  auto handle = artifact_message_handle(resolve->artifact, kIdp);
  trace("artifact", handle ? "ours" : "not ours");
  if (handle && handle->size() != 20) __builtin_trap();
  return 0;
}
