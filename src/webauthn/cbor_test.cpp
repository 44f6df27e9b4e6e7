#include "webauthn/cbor.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace gatehouse::webauthn {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes hex(std::string_view text) {
  Bytes out;
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    if (text[i] == ' ') { --i; continue; }
    out.push_back(static_cast<std::uint8_t>(nibble(text[i]) * 16 + nibble(text[i + 1])));
  }
  return out;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes repeat(std::uint8_t byte, std::size_t n) { return Bytes(n, byte); }

CborValue ok(const Bytes& in) {
  auto r = cbor_decode(in);
  EXPECT_TRUE(r.has_value()) << (r ? "" : to_string(r.error().error));
  return r ? *r : CborValue();
}

CborError refused(const Bytes& in, const CborLimits& limits = {}) {
  auto r = cbor_decode(in, limits);
  EXPECT_FALSE(r.has_value());
  return r ? CborError::kTrailingBytes : r.error().error;
}

std::int64_t integer(const Bytes& in) {
  CborValue v = ok(in);
  return v.as_integer() ? *v.as_integer() : -424242;
}

std::string text(const Bytes& in) {
  CborValue v = ok(in);
  return v.as_text() ? *v.as_text() : "<not text>";
}

// ---- RFC 8949 Appendix A, the examples in scope ----

TEST(CborAppendixA, Integers) {
  EXPECT_EQ(integer(hex("00")), 0);
  EXPECT_EQ(integer(hex("01")), 1);
  EXPECT_EQ(integer(hex("0a")), 10);
  EXPECT_EQ(integer(hex("17")), 23);
  EXPECT_EQ(integer(hex("1818")), 24);
  EXPECT_EQ(integer(hex("1819")), 25);
  EXPECT_EQ(integer(hex("1864")), 100);
  EXPECT_EQ(integer(hex("1903e8")), 1000);
  EXPECT_EQ(integer(hex("1a000f4240")), 1000000);
  EXPECT_EQ(integer(hex("1b000000e8d4a51000")), 1000000000000);
  EXPECT_EQ(integer(hex("20")), -1);
  EXPECT_EQ(integer(hex("29")), -10);
  EXPECT_EQ(integer(hex("3863")), -100);
  EXPECT_EQ(integer(hex("3903e7")), -1000);
}

TEST(CborAppendixA, IntegersBeyondInt64AreRefused) {
  EXPECT_EQ(refused(hex("1bffffffffffffffff")), CborError::kIntegerOverflow);  // 2^64-1
  EXPECT_EQ(refused(hex("3bffffffffffffffff")), CborError::kIntegerOverflow);  // -2^64
  EXPECT_EQ(refused(hex("c249010000000000000000")), CborError::kTag);         // bignum 2^64
  EXPECT_EQ(refused(hex("c349010000000000000000")), CborError::kTag);         // bignum -2^64-1
}

TEST(CborAppendixA, Int64BoundsAreAccepted) {
  EXPECT_EQ(integer(hex("1b7fffffffffffffff")), INT64_MAX);
  EXPECT_EQ(integer(hex("3b7fffffffffffffff")), INT64_MIN);
  EXPECT_EQ(refused(hex("1b8000000000000000")), CborError::kIntegerOverflow);
  EXPECT_EQ(refused(hex("3b8000000000000000")), CborError::kIntegerOverflow);
}

TEST(CborAppendixA, FloatsAndOtherSimpleValuesAreRefused) {
  for (const char* f : {"f90000", "f98000", "f93c00", "fb3ff199999999999a", "f93e00", "f97bff",
                        "fa47c35000", "fa7f7fffff", "fb7e37e43c8800759c", "f90001", "f90400",
                        "f9c400", "fbc010666666666666", "f97c00", "f97e00", "f9fc00", "fa7f800000",
                        "fa7fc00000", "faff800000", "fb7ff0000000000000", "fb7ff8000000000000",
                        "fbfff0000000000000"})
    EXPECT_EQ(refused(hex(f)), CborError::kUnsupportedSimple) << f;
  EXPECT_EQ(refused(hex("f7")), CborError::kUnsupportedSimple);    // undefined
  EXPECT_EQ(refused(hex("f0")), CborError::kUnsupportedSimple);    // simple(16)
  EXPECT_EQ(refused(hex("f8ff")), CborError::kUnsupportedSimple);  // simple(255)
}

TEST(CborAppendixA, FalseTrueNull) {
  EXPECT_EQ(ok(hex("f4")).as_bool(), std::optional<bool>(false));
  EXPECT_EQ(ok(hex("f5")).as_bool(), std::optional<bool>(true));
  EXPECT_TRUE(ok(hex("f6")).is_null());
  EXPECT_EQ(ok(hex("f6")).as_bool(), std::nullopt);
}

TEST(CborAppendixA, TagsAreRefused) {
  for (const char* t : {"c074323031332d30332d32315432303a30343a30305a", "c11a514b67b0",
                        "c1fb41d452d9ec200000", "d74401020304", "d818456449455446",
                        "d82076687474703a2f2f7777772e6578616d706c652e636f6d"})
    EXPECT_EQ(refused(hex(t)), CborError::kTag) << t;
}

TEST(CborAppendixA, Strings) {
  CborValue empty = ok(hex("40"));
  ASSERT_NE(empty.as_bytes(), nullptr);
  EXPECT_TRUE(empty.as_bytes()->empty());
  CborValue four = ok(hex("4401020304"));
  ASSERT_NE(four.as_bytes(), nullptr);
  EXPECT_EQ(*four.as_bytes(), hex("01020304"));
  EXPECT_EQ(four.as_text(), nullptr);
  EXPECT_EQ(text(hex("60")), "");
  EXPECT_EQ(text(hex("6161")), "a");
  EXPECT_EQ(text(hex("6449455446")), "IETF");
  EXPECT_EQ(text(hex("62225c")), "\"\\");
  EXPECT_EQ(text(hex("62c3bc")), "\xc3\xbc");            // ü
  EXPECT_EQ(text(hex("63e6b0b4")), "\xe6\xb0\xb4");      // 水
  EXPECT_EQ(text(hex("64f0908591")), "\xf0\x90\x85\x91");  // U+10151
}

TEST(CborAppendixA, Arrays) {
  EXPECT_TRUE(ok(hex("80")).as_array()->empty());
  CborValue a = ok(hex("83010203"));
  ASSERT_NE(a.as_array(), nullptr);
  ASSERT_EQ(a.as_array()->size(), 3U);
  EXPECT_EQ(*(*a.as_array())[2].as_integer(), 3);
  CborValue nested = ok(hex("8301820203820405"));
  ASSERT_EQ(nested.as_array()->size(), 3U);
  EXPECT_EQ(*(*(*nested.as_array())[2].as_array())[1].as_integer(), 5);
  CborValue twenty_five = ok(hex("98190102030405060708090a0b0c0d0e0f101112131415161718181819"));
  ASSERT_EQ(twenty_five.as_array()->size(), 25U);
  EXPECT_EQ(*twenty_five.as_array()->back().as_integer(), 25);
}

TEST(CborAppendixA, Maps) {
  EXPECT_TRUE(ok(hex("a0")).as_map()->empty());
  CborValue m = ok(hex("a201020304"));
  ASSERT_NE(m.get(1), nullptr);
  EXPECT_EQ(*m.get(1)->as_integer(), 2);
  EXPECT_EQ(*m.get(3)->as_integer(), 4);
  EXPECT_EQ(m.get(2), nullptr);
  EXPECT_EQ(m.get("1"), nullptr);
  CborValue ab = ok(hex("a26161016162820203"));
  EXPECT_EQ(*ab.get("a")->as_integer(), 1);
  EXPECT_EQ(ab.get("b")->as_array()->size(), 2U);
  CborValue in_array = ok(hex("826161a161626163"));
  EXPECT_EQ(*(*in_array.as_array())[1].get("b")->as_text(), "c");
  CborValue five = ok(hex("a56161614161626142616361436164614461656145"));
  EXPECT_EQ(five.as_map()->size(), 5U);
  EXPECT_EQ(*five.get("e")->as_text(), "E");
  EXPECT_EQ(five.as_map()->front().key, CborKey(std::string("a")));  // encoded order kept
}

TEST(CborAppendixA, IndefiniteLengthsAreRefused) {
  for (const char* i : {"5f42010243030405ff", "7f657374726561646d696e67ff", "9fff",
                        "9f018202039f0405ffff", "9f01820203820405ff", "83018202039f0405ff",
                        "83019f0203ff820405", "bf61610161629f0203ffff", "826161bf61626163ff",
                        "bf6346756ef563416d7421ff"})
    EXPECT_EQ(refused(hex(i)), CborError::kIndefiniteLength) << i;
  EXPECT_EQ(refused(hex("ff")), CborError::kIndefiniteLength);  // a stray "break"
}

// ---- Refusals and limits ----

TEST(CborRefusals, NonShortestFormIsRefused) {
  EXPECT_EQ(refused(hex("1817")), CborError::kNotCanonical);                // 23 fits the head
  EXPECT_EQ(refused(hex("1900ff")), CborError::kNotCanonical);              // fits one byte
  EXPECT_EQ(refused(hex("1a0000ffff")), CborError::kNotCanonical);          // fits two bytes
  EXPECT_EQ(refused(hex("1b00000000ffffffff")), CborError::kNotCanonical);  // fits four bytes
  EXPECT_EQ(refused(hex("3800")), CborError::kNotCanonical);                // -1 in two bytes
  EXPECT_EQ(refused(hex("580100")), CborError::kNotCanonical);              // length 1 in a byte
  EXPECT_EQ(refused(hex("7800")), CborError::kNotCanonical);
  EXPECT_EQ(refused(hex("980100")), CborError::kNotCanonical);
  EXPECT_EQ(refused(hex("b9000101f6")), CborError::kNotCanonical);
  EXPECT_EQ(integer(hex("190100")), 256);  // the smallest value of each width is accepted
  EXPECT_EQ(integer(hex("1a00010000")), 65536);
  EXPECT_EQ(integer(hex("1b0000000100000000")), 4294967296);
}

TEST(CborRefusals, ReservedAdditionalInformationIsMalformed) {
  for (const char* r : {"1c", "1d", "1e", "3c", "5c", "7d", "9e", "bc", "fc", "fe"})
    EXPECT_EQ(refused(hex(r)), CborError::kMalformed) << r;
}

TEST(CborRefusals, TruncatedInputAndLengthsPastTheEnd) {
  EXPECT_EQ(refused({}), CborError::kTruncated);
  EXPECT_EQ(refused(hex("19")), CborError::kTruncated);
  EXPECT_EQ(refused(hex("1a0001")), CborError::kTruncated);
  EXPECT_EQ(refused(hex("440102")), CborError::kTruncated);
  EXPECT_EQ(refused(hex("5affffffff00")), CborError::kTruncated);
  EXPECT_EQ(refused(hex("7bffffffffffffffff")), CborError::kTruncated);
  EXPECT_EQ(refused(hex("8301")), CborError::kTruncated);
  EXPECT_EQ(refused(hex("a201")), CborError::kTruncated);
  EXPECT_EQ(refused(hex("a10102a1")), CborError::kTrailingBytes);
  EXPECT_EQ(refused(hex("a2010203")), CborError::kTruncated);
  // A count within max_items but past the bytes left is refused before anything is reserved.
  CborLimits wide;
  wide.max_items = SIZE_MAX;
  EXPECT_EQ(refused(hex("9b00000001000000000000"), wide), CborError::kTruncated);
  EXPECT_EQ(refused(hex("bb00000001000000000000"), wide), CborError::kTruncated);
}

TEST(CborRefusals, InputSizeLimit) {
  Bytes just_fits = cat({hex("59fffd"), repeat(0x41, 0xfffd)});  // 3 + 65533 = 64 KiB
  ASSERT_EQ(just_fits.size(), 64U * 1024U);
  EXPECT_EQ(ok(just_fits).as_bytes()->size(), 0xfffdU);
  Bytes too_large = cat({hex("59fffe"), repeat(0x41, 0xfffe)});
  EXPECT_EQ(refused(too_large), CborError::kInputTooLarge);
  EXPECT_EQ(cbor_decode_prefix(too_large).error().error, CborError::kInputTooLarge);
}

TEST(CborRefusals, DepthLimit) {
  EXPECT_EQ(ok(cat({repeat(0x81, 16), hex("00")})).type(), CborValue::Type::kArray);
  EXPECT_EQ(refused(cat({repeat(0x81, 17), hex("00")})), CborError::kTooDeep);
  Bytes maps_16, maps_17;
  for (int i = 0; i < 16; ++i) maps_16 = cat({maps_16, hex("a101")});
  maps_17 = cat({maps_16, hex("a101"), hex("f6")});
  maps_16 = cat({maps_16, hex("f6")});
  EXPECT_NE(ok(maps_16).get(1), nullptr);
  EXPECT_EQ(refused(maps_17), CborError::kTooDeep);
  // A deep input is refused at the limit, long before the stack could suffer.
  EXPECT_EQ(refused(cat({repeat(0x81, 60000), hex("00")})), CborError::kTooDeep);
}

TEST(CborRefusals, ItemCountLimit) {
  EXPECT_EQ(ok(cat({hex("990100"), repeat(0x00, 256)})).as_array()->size(), 256U);
  EXPECT_EQ(refused(cat({hex("990101"), repeat(0x00, 257)})), CborError::kTooManyItems);
  Bytes map_256 = hex("b90100"), map_257 = hex("b90101");
  for (int i = 0; i < 257; ++i) {
    Bytes entry = cat({hex("19"), {static_cast<std::uint8_t>(0x01 + i / 256), static_cast<std::uint8_t>(i % 256)}, hex("f6")});
    if (i < 256) map_256 = cat({map_256, entry});
    map_257 = cat({map_257, entry});
  }
  EXPECT_EQ(ok(map_256).as_map()->size(), 256U);
  EXPECT_EQ(refused(map_257), CborError::kTooManyItems);
  EXPECT_EQ(refused(hex("9bffffffffffffffff")), CborError::kTooManyItems);
}

TEST(CborRefusals, DuplicateMapKeys) {
  EXPECT_EQ(refused(hex("a201000100")), CborError::kDuplicateMapKey);
  EXPECT_EQ(refused(hex("a220002000")), CborError::kDuplicateMapKey);
  EXPECT_EQ(refused(hex("a2616100616101")), CborError::kDuplicateMapKey);
  auto r = cbor_decode(hex("a201000100"));
  EXPECT_EQ(r.error().offset, 3U);  // the second key
  CborValue int_and_text = ok(hex("a20100613100"));  // 1 and "1" are different keys
  EXPECT_EQ(int_and_text.as_map()->size(), 2U);
}

TEST(CborRefusals, MapKeysMustBeIntegersOrText) {
  for (const char* k : {"a14000", "a18000", "a1a000", "a1f600", "a1f400", "a1f900", "a1c000"})
    EXPECT_NE(cbor_decode(hex(k)).has_value(), true) << k;
  EXPECT_EQ(refused(hex("a14000")), CborError::kInvalidMapKey);
  EXPECT_EQ(refused(hex("a18000")), CborError::kInvalidMapKey);
  EXPECT_EQ(refused(hex("a1f600")), CborError::kInvalidMapKey);
}

TEST(CborRefusals, TextMustBeValidUtf8) {
  EXPECT_EQ(refused(hex("62c328")), CborError::kInvalidUtf8);
  EXPECT_EQ(refused(hex("61ff")), CborError::kInvalidUtf8);
  EXPECT_EQ(refused(hex("62c080")), CborError::kInvalidUtf8);    // overlong NUL
  EXPECT_EQ(refused(hex("63eda080")), CborError::kInvalidUtf8);  // a surrogate
  EXPECT_EQ(refused(hex("6100")), CborError::kInvalidUtf8);      // a zero byte
  EXPECT_EQ(refused(hex("a162c32800")), CborError::kInvalidUtf8);  // as a map key too
}

TEST(CborRefusals, TrailingBytesUnlessThePrefixIsAskedFor) {
  EXPECT_EQ(refused(hex("0000")), CborError::kTrailingBytes);
  EXPECT_EQ(cbor_decode(hex("0000")).error().offset, 1U);
  auto prefix = cbor_decode_prefix(hex("8201020304"));
  ASSERT_TRUE(prefix.has_value());
  EXPECT_EQ(prefix->used, 3U);
  EXPECT_EQ(prefix->value.as_array()->size(), 2U);
  EXPECT_EQ(cbor_decode_prefix(hex("83010203")).value().used, 4U);
  EXPECT_EQ(cbor_decode_prefix(hex("8301")).error().error, CborError::kTruncated);
}

TEST(CborValueAccessors, TypeMismatchGivesNullptr) {
  CborValue n = ok(hex("01"));
  EXPECT_EQ(n.as_bytes(), nullptr);
  EXPECT_EQ(n.as_text(), nullptr);
  EXPECT_EQ(n.as_array(), nullptr);
  EXPECT_EQ(n.as_map(), nullptr);
  EXPECT_EQ(n.get(1), nullptr);
  EXPECT_EQ(n.get("a"), nullptr);
  EXPECT_FALSE(n.as_bool().has_value());
  EXPECT_FALSE(n.is_null());
  EXPECT_EQ(ok(hex("6161")).as_integer(), nullptr);
}

// ---- WebAuthn shapes ----

// A COSE_Key (RFC 9053) for ES256 as authenticators encode it (CTAP2 canonical order).
// The coordinates are placeholders (0x01..0x20 and 0x21..0x40): the decoder does not check the curve.
Bytes cose_es256_key() {
  Bytes x, y;
  for (std::uint8_t i = 1; i <= 32; ++i) x.push_back(i);
  for (std::uint8_t i = 33; i <= 64; ++i) y.push_back(i);
  return cat({hex("a5"),          // map(5)
              hex("0102"),        // 1 (kty): 2 (EC2)
              hex("0326"),        // 3 (alg): -7 (ES256)
              hex("2001"),        // -1 (crv): 1 (P-256)
              hex("215820"), x,   // -2 (x): bytes(32)
              hex("225820"), y}); // -3 (y): bytes(32)
}

// authenticatorData (WebAuthn §6.1) with attested credential data and the key above.
Bytes auth_data() {
  return cat({hex("49960de5880e8c687434170f6476605b8fe4aeb9a28632c7995cf3ba831d9763"),  // SHA-256("localhost")
              hex("45"),                                 // flags: UP | UV | AT
              hex("00000000"),                           // signCount 0
              repeat(0x00, 16),                          // AAGUID (none)
              hex("0010"),                               // credentialIdLength 16
              hex("f0e1d2c3b4a5968778695a4b3c2d1e0f"),   // credentialId
              cose_es256_key()});
}

TEST(CborWebAuthn, NoneAttestationObject) {
  const Bytes ad = auth_data();
  ASSERT_EQ(ad.size(), 148U);
  Bytes att = cat({hex("a3"),                              // map(3)
                   hex("63666d74"), hex("646e6f6e65"),      // "fmt": "none"
                   hex("6761747453746d74"), hex("a0"),      // "attStmt": {}
                   hex("68617574684461746158"), {0x94}, ad}); // "authData": bytes(148)
  CborValue obj = ok(att);
  ASSERT_NE(obj.get("fmt"), nullptr);
  EXPECT_EQ(*obj.get("fmt")->as_text(), "none");
  ASSERT_NE(obj.get("attStmt"), nullptr);
  EXPECT_TRUE(obj.get("attStmt")->as_map()->empty());
  ASSERT_NE(obj.get("authData"), nullptr);
  ASSERT_NE(obj.get("authData")->as_bytes(), nullptr);
  EXPECT_EQ(*obj.get("authData")->as_bytes(), ad);
  EXPECT_EQ(obj.get("authdata"), nullptr);
}

TEST(CborWebAuthn, CoseKeyInsideAuthDataFollowedByExtensions) {
  const Bytes extensions = hex("a16b6372656450726f7465637402");  // {"credProtect": 2}
  const Bytes ad = cat({auth_data(), extensions});
  const std::size_t key_at = 32 + 1 + 4 + 16 + 2 + 16;
  auto key = cbor_decode_prefix(std::span(ad).subspan(key_at));
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->used, 77U);
  EXPECT_EQ(*key->value.get(1)->as_integer(), 2);
  EXPECT_EQ(*key->value.get(3)->as_integer(), -7);
  EXPECT_EQ(*key->value.get(-1)->as_integer(), 1);
  ASSERT_NE(key->value.get(-2)->as_bytes(), nullptr);
  EXPECT_EQ(key->value.get(-2)->as_bytes()->size(), 32U);
  EXPECT_EQ(key->value.get(-3)->as_bytes()->back(), 64);
  EXPECT_EQ(key->value.get(-4), nullptr);
  auto ext = cbor_decode(std::span(ad).subspan(key_at + key->used));
  ASSERT_TRUE(ext.has_value());
  EXPECT_EQ(*ext->get("credProtect")->as_integer(), 2);
  // The whole tail is not one item: decode() refuses what decode_prefix() allows.
  EXPECT_EQ(cbor_decode(std::span(ad).subspan(key_at)).error().error, CborError::kTrailingBytes);
}

}  // namespace
}  // namespace gatehouse::webauthn
