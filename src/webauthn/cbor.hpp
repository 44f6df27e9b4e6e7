#pragma once
// A strict decoder for the subset of CBOR (RFC 8949) that WebAuthn needs: the attestationObject and
// the COSE public key inside authenticatorData (issue 12; not wired into the node yet).
//
// Accepted: unsigned and negative integers that fit an int64, byte strings, text strings (well-formed
// UTF-8 without a zero byte, core/utf8.hpp), arrays, maps whose keys are integers or text strings,
// false, true and null.
// Refused, each with its own error value: indefinite lengths, tags, floats and the other simple values
// (undefined included), reserved additional-information values, integers outside int64, duplicate map
// keys, and any head (integer or length) not in its shortest form. That last rule is CTAP2's canonical
// encoding, which authenticators use; map key ORDER is not checked (it carries no meaning, and
// duplicates are refused anyway).
// Limits, all checked before anything is allocated: the input size, the nesting depth, the items per
// array or map, and every declared length against the bytes that remain. No exception escapes; the
// recursion is bounded by the depth limit.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/result.hpp"

namespace gatehouse::webauthn {

class CborValue;
/// A map key: WebAuthn and COSE use integers and text strings only.
using CborKey = std::variant<std::int64_t, std::string>;
struct CborEntry;
using CborBytes = std::vector<std::uint8_t>;
using CborArray = std::vector<CborValue>;
using CborMap = std::vector<CborEntry>;  // in encoded order, keys unique

/// One decoded data item. Accessors return nullptr / nullopt when the item has another type.
class CborValue {
 public:
  enum class Type { kInteger, kBytes, kText, kArray, kMap, kBool, kNull };

  // Defined below CborEntry: a map's entries must be a complete type where the variant is built.
  CborValue();
  explicit CborValue(std::int64_t v);
  explicit CborValue(CborBytes v);
  explicit CborValue(std::string v);
  explicit CborValue(CborArray v);
  explicit CborValue(CborMap v);
  explicit CborValue(bool v);

  Type type() const { return static_cast<Type>(v_.index()); }
  const std::int64_t* as_integer() const { return std::get_if<std::int64_t>(&v_); }
  const CborBytes* as_bytes() const { return std::get_if<CborBytes>(&v_); }
  const std::string* as_text() const { return std::get_if<std::string>(&v_); }
  const CborArray* as_array() const { return std::get_if<CborArray>(&v_); }
  const CborMap* as_map() const { return std::get_if<CborMap>(&v_); }
  std::optional<bool> as_bool() const;
  bool is_null() const { return type() == Type::kNull; }

  /// The value under an integer / text key of a map; nullptr if absent or if this is not a map.
  const CborValue* get(std::int64_t key) const;
  const CborValue* get(std::string_view key) const;

 private:
  // Order matches Type.
  std::variant<std::int64_t, CborBytes, std::string, CborArray, CborMap, bool, std::nullptr_t> v_;
};

struct CborEntry {
  CborKey key;
  CborValue value;
};

inline CborValue::CborValue() : v_(nullptr) {}
inline CborValue::CborValue(std::int64_t v) : v_(v) {}
inline CborValue::CborValue(CborBytes v) : v_(std::move(v)) {}
inline CborValue::CborValue(std::string v) : v_(std::move(v)) {}
inline CborValue::CborValue(CborArray v) : v_(std::move(v)) {}
inline CborValue::CborValue(CborMap v) : v_(std::move(v)) {}
inline CborValue::CborValue(bool v) : v_(v) {}

enum class CborError {
  kInputTooLarge,      // the input is longer than CborLimits::max_input
  kTruncated,          // the input ends inside an item (also: a declared length past the end)
  kTooDeep,            // more nested arrays/maps than CborLimits::max_depth
  kTooManyItems,       // an array or map declares more than CborLimits::max_items
  kIndefiniteLength,   // additional information 31 (indefinite length or a stray "break")
  kTag,                // major type 6
  kUnsupportedSimple,  // floats, undefined and the other simple values
  kMalformed,          // reserved additional information (28-30)
  kNotCanonical,       // an integer or length not in its shortest form
  kIntegerOverflow,    // an integer outside int64
  kInvalidUtf8,        // a text string that is not well-formed UTF-8 (or holds a zero byte)
  kInvalidMapKey,      // a map key that is neither an integer nor a text string
  kDuplicateMapKey,    // the same key twice in one map
  kTrailingBytes,      // decode(): bytes after the item
};

std::string_view to_string(CborError error);

/// What a refusal says: the error and the offset of the head (or byte) where it was found.
struct CborFailure {
  CborError error;
  std::size_t offset;
};

struct CborLimits {
  std::size_t max_input = 64 * 1024;  // bytes
  int max_depth = 16;                 // nested arrays/maps; a scalar at top level has depth 0
  std::size_t max_items = 256;        // elements of one array, or entries of one map
};

/// Decodes exactly one item that spans all of `input`.
Result<CborValue, CborFailure> cbor_decode(std::span<const std::uint8_t> input,
                                           const CborLimits& limits = {});

struct CborPrefix {
  CborValue value;
  std::size_t used;  // bytes the item took; input[used..] is left to the caller
};

/// Decodes the one item at the start of `input` and says how many bytes it took (the COSE key inside
/// authenticatorData is followed by the extensions). max_input applies to the whole input.
Result<CborPrefix, CborFailure> cbor_decode_prefix(std::span<const std::uint8_t> input,
                                                   const CborLimits& limits = {});

}  // namespace gatehouse::webauthn
