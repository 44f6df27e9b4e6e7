#include "webauthn/cbor.hpp"

#include <limits>
#include <string_view>

#include "core/utf8.hpp"

namespace gatehouse::webauthn {

namespace {

enum Major : std::uint8_t {
  kUnsigned = 0, kNegative = 1, kByteString = 2, kTextString = 3,
  kArrayType = 4, kMapType = 5, kTagType = 6, kSimple = 7,
};

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

/// The initial byte and its argument. `info` is the low five bits as encoded.
struct Head {
  std::uint8_t major;
  std::uint8_t info;
  std::uint64_t arg;
  std::size_t offset;
};

class Decoder {
 public:
  Decoder(std::span<const std::uint8_t> in, const CborLimits& limits) : in_(in), limits_(limits) {}

  Result<CborValue, CborFailure> item(int depth);
  std::size_t position() const { return pos_; }

 private:
  Unexpected<CborFailure> fail(CborError e, std::size_t at) const { return unexpected(CborFailure{e, at}); }
  std::size_t remaining() const { return in_.size() - pos_; }
  Result<Head, CborFailure> head();
  Result<std::uint64_t, CborFailure> argument(std::uint8_t info, std::size_t at);
  Result<CborValue, CborFailure> integer(const Head& h);
  Result<CborValue, CborFailure> string(const Head& h);
  Result<CborValue, CborFailure> array(const Head& h, int depth);
  Result<CborValue, CborFailure> map(const Head& h, int depth);
  Result<CborValue, CborFailure> simple(const Head& h);
  Result<CborKey, CborFailure> key();

  std::span<const std::uint8_t> in_;
  const CborLimits& limits_;
  std::size_t pos_ = 0;
};

/// The argument of a head with additional information 24-27, refused unless in its shortest form
/// (a value that would have fitted the previous, shorter encoding).
Result<std::uint64_t, CborFailure> Decoder::argument(std::uint8_t info, std::size_t at) {
  const std::size_t width = std::size_t{1} << (info - 24);  // 1, 2, 4 or 8 bytes, big-endian
  if (remaining() < width) return fail(CborError::kTruncated, at);
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < width; ++i) v = (v << 8) | in_[pos_ + i];
  pos_ += width;
  const std::uint64_t shortest_floor = info == 24 ? 24 : std::uint64_t{1} << (4 * width);
  if (v < shortest_floor) return fail(CborError::kNotCanonical, at);
  return v;
}

Result<Head, CborFailure> Decoder::head() {
  const std::size_t at = pos_;
  if (remaining() == 0) return fail(CborError::kTruncated, at);
  const std::uint8_t initial = in_[pos_++];
  Head h{static_cast<std::uint8_t>(initial >> 5), static_cast<std::uint8_t>(initial & 0x1f), 0, at};
  if (h.major == kTagType) return fail(CborError::kTag, at);
  if (h.info < 24) {
    h.arg = h.info;
    return h;
  }
  if (h.info == 31) return fail(CborError::kIndefiniteLength, at);
  if (h.info > 27) return fail(CborError::kMalformed, at);
  if (h.major == kSimple) return h;  // simple values and floats: simple() refuses them, unread
  auto arg = argument(h.info, at);
  if (!arg) return unexpected(arg.error());
  h.arg = *arg;
  return h;
}

Result<CborValue, CborFailure> Decoder::item(int depth) {
  auto h = head();
  if (!h) return unexpected(h.error());
  switch (h->major) {
    case kUnsigned:
    case kNegative: return integer(*h);
    case kByteString:
    case kTextString: return string(*h);
    case kArrayType: return array(*h, depth + 1);
    case kMapType: return map(*h, depth + 1);
    default: return simple(*h);
  }
}

Result<CborValue, CborFailure> Decoder::integer(const Head& h) {
  if (h.arg > static_cast<std::uint64_t>(kInt64Max)) return fail(CborError::kIntegerOverflow, h.offset);
  const auto v = static_cast<std::int64_t>(h.arg);
  return CborValue(h.major == kUnsigned ? v : -1 - v);
}

Result<CborValue, CborFailure> Decoder::string(const Head& h) {
  if (h.arg > remaining()) return fail(CborError::kTruncated, h.offset);
  const auto n = static_cast<std::size_t>(h.arg);
  const auto* first = in_.data() + pos_;
  pos_ += n;
  if (h.major == kByteString) return CborValue(CborBytes(first, first + n));
  const std::string_view text(reinterpret_cast<const char*>(first), n);
  if (!is_utf8_text(text)) return fail(CborError::kInvalidUtf8, h.offset);
  return CborValue(std::string(text));
}

Result<CborValue, CborFailure> Decoder::array(const Head& h, int depth) {
  if (depth > limits_.max_depth) return fail(CborError::kTooDeep, h.offset);
  if (h.arg > limits_.max_items) return fail(CborError::kTooManyItems, h.offset);
  // Every element takes at least one byte: a count past the end is refused before reserving.
  if (h.arg > remaining()) return fail(CborError::kTruncated, h.offset);
  CborArray elements;
  elements.reserve(static_cast<std::size_t>(h.arg));
  for (std::uint64_t i = 0; i < h.arg; ++i) {
    auto element = item(depth);
    if (!element) return unexpected(element.error());
    elements.push_back(std::move(*element));
  }
  return CborValue(std::move(elements));
}

Result<CborKey, CborFailure> Decoder::key() {
  const std::size_t at = pos_;
  auto h = head();
  if (!h) return unexpected(h.error());
  if (h->major == kUnsigned || h->major == kNegative) {
    auto v = integer(*h);
    if (!v) return unexpected(v.error());
    return CborKey(*v->as_integer());
  }
  if (h->major != kTextString) return fail(CborError::kInvalidMapKey, at);
  auto v = string(*h);
  if (!v) return unexpected(v.error());
  return CborKey(*v->as_text());
}

Result<CborValue, CborFailure> Decoder::map(const Head& h, int depth) {
  if (depth > limits_.max_depth) return fail(CborError::kTooDeep, h.offset);
  if (h.arg > limits_.max_items) return fail(CborError::kTooManyItems, h.offset);
  // Every entry takes at least two bytes (a key and a value).
  if (h.arg > remaining() / 2) return fail(CborError::kTruncated, h.offset);
  CborMap entries;
  entries.reserve(static_cast<std::size_t>(h.arg));
  for (std::uint64_t i = 0; i < h.arg; ++i) {
    const std::size_t at = pos_;
    auto k = key();
    if (!k) return unexpected(k.error());
    for (const CborEntry& e : entries)  // at most max_items entries: a linear scan is enough
      if (e.key == *k) return fail(CborError::kDuplicateMapKey, at);
    auto v = item(depth);
    if (!v) return unexpected(v.error());
    entries.push_back(CborEntry{std::move(*k), std::move(*v)});
  }
  return CborValue(std::move(entries));
}

Result<CborValue, CborFailure> Decoder::simple(const Head& h) {
  switch (h.info) {
    case 20: return CborValue(false);
    case 21: return CborValue(true);
    case 22: return CborValue();
    default: return fail(CborError::kUnsupportedSimple, h.offset);
  }
}

}  // namespace

std::optional<bool> CborValue::as_bool() const {
  if (const bool* b = std::get_if<bool>(&v_)) return *b;
  return std::nullopt;
}

namespace {

/// The value under a key held as a K (an int64 or a text string) in `map`, nullptr if absent.
template <class K, class Query>
const CborValue* find_entry(const CborMap* map, const Query& key) {
  if (map == nullptr) return nullptr;
  for (const CborEntry& e : *map) {
    const K* k = std::get_if<K>(&e.key);
    if (k != nullptr && *k == key) return &e.value;
  }
  return nullptr;
}

}  // namespace

const CborValue* CborValue::get(std::int64_t key) const { return find_entry<std::int64_t>(as_map(), key); }

const CborValue* CborValue::get(std::string_view key) const { return find_entry<std::string>(as_map(), key); }

std::string_view to_string(CborError error) {
  switch (error) {
    case CborError::kInputTooLarge: return "CBOR input too large";
    case CborError::kTruncated: return "CBOR input truncated";
    case CborError::kTooDeep: return "CBOR nested too deeply";
    case CborError::kTooManyItems: return "CBOR array or map too large";
    case CborError::kIndefiniteLength: return "CBOR indefinite length not supported";
    case CborError::kTag: return "CBOR tags not supported";
    case CborError::kUnsupportedSimple: return "CBOR float or simple value not supported";
    case CborError::kMalformed: return "CBOR reserved additional information";
    case CborError::kNotCanonical: return "CBOR integer or length not in shortest form";
    case CborError::kIntegerOverflow: return "CBOR integer out of range";
    case CborError::kInvalidUtf8: return "CBOR text string not valid UTF-8";
    case CborError::kInvalidMapKey: return "CBOR map key neither integer nor text";
    case CborError::kDuplicateMapKey: return "CBOR duplicate map key";
    case CborError::kTrailingBytes: return "CBOR trailing bytes after the item";
  }
  return "CBOR error";
}

Result<CborPrefix, CborFailure> cbor_decode_prefix(std::span<const std::uint8_t> input,
                                                   const CborLimits& limits) {
  if (input.size() > limits.max_input) return unexpected(CborFailure{CborError::kInputTooLarge, 0});
  Decoder decoder(input, limits);
  auto value = decoder.item(0);
  if (!value) return unexpected(value.error());
  return CborPrefix{std::move(*value), decoder.position()};
}

Result<CborValue, CborFailure> cbor_decode(std::span<const std::uint8_t> input, const CborLimits& limits) {
  auto prefix = cbor_decode_prefix(input, limits);
  if (!prefix) return unexpected(prefix.error());
  if (prefix->used != input.size()) return unexpected(CborFailure{CborError::kTrailingBytes, prefix->used});
  return std::move(prefix->value);
}

}  // namespace gatehouse::webauthn
