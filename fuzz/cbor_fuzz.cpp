// libFuzzer target for the WebAuthn CBOR decoder (src/webauthn/cbor.cpp): any input must give a value
// or a refusal, never a crash, a sanitizer report, a leak or a hang. Built and run by scripts/fuzz.

#include <cstddef>
#include <cstdint>
#include <span>

#include "webauthn/cbor.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gatehouse::webauthn;
  const std::span<const std::uint8_t> input(data, size);
  auto whole = cbor_decode(input);
  auto prefix = cbor_decode_prefix(input);
  // The two must agree: a whole item is a prefix that used everything.
  if (whole.has_value() && (!prefix.has_value() || prefix->used != size)) __builtin_trap();
  if (prefix.has_value() && (prefix->used == 0 || prefix->used > size)) __builtin_trap();
  // A refusal from the whole-input decode past the prefix is only ever "trailing bytes".
  if (prefix.has_value() && !whole.has_value() && whole.error().error != CborError::kTrailingBytes)
    __builtin_trap();
  // Also decode with tighter limits, so the limit paths get exercised on small inputs.
  CborLimits tight;
  tight.max_depth = 2;
  tight.max_items = 3;
  tight.max_input = 64;
  (void)cbor_decode_prefix(input, tight);
  return 0;
}
