// libFuzzer target for a service provider's SAML metadata (src/saml/metadata.cpp, issue 14): the
// EntityDescriptor an administrator registers or Gatehouse fetches, read by parse_sp_metadata(bytes)
// (parse with kMaxMetadataBytes, then the metadata reader, the certificates through OpenSSL). Any
// input must give a value or a refusal, never a crash, a sanitizer report, a leak or a hang, and
// what is accepted must keep the promises of metadata.hpp. Built and run by scripts/fuzz.

#include <cstddef>
#include <cstdint>
#include <set>
#include <string_view>

#include "saml/metadata.hpp"
#include "saml_fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gatehouse::saml;
  auto metadata = parse_sp_metadata(std::string_view(reinterpret_cast<const char*>(data), size));
  fuzzing::trace("metadata", metadata ? "read" : metadata.error());
  if (!metadata) return 0;
  const SpMetadata& m = *metadata;
  if (m.entity_id.empty() || m.entity_id.size() > kMaxEntityIdLength) __builtin_trap();
  if (m.assertion_consumers.empty()) __builtin_trap();
  std::set<std::uint16_t> indexes;
  for (const auto& acs : m.assertion_consumers) {
    if (acs.binding != kBindingPost && acs.binding != kBindingArtifact) __builtin_trap();
    if (acs.location.empty() || acs.location.size() > kMaxLocationLength) __builtin_trap();
    if (!indexes.insert(acs.index).second) __builtin_trap();
    if (m.assertion_consumer_by_index(acs.index) != &acs) __builtin_trap();
    if (m.assertion_consumer_by_location(acs.location, acs.binding) == nullptr) __builtin_trap();
  }
  const auto& fallback = m.default_assertion_consumer();
  if (m.assertion_consumer_by_index(fallback.index) != &fallback) __builtin_trap();
  for (const auto& key : m.signing_keys)
    if (key.native() == nullptr) __builtin_trap();
  for (const auto& key : m.encryption_keys)
    if (key.key.native() == nullptr) __builtin_trap();
  return 0;
}
