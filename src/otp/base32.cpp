#include "otp/base32.hpp"

#include <cstdint>

namespace gatehouse::otp {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// @returns the 5-bit value of an alphabet character (either case), or -1.
int value_of(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

/// A final group of n characters carries whole bytes only for these n (RFC 4648 §6, cases 1-5).
bool valid_tail(std::size_t n) { return n == 0 || n == 2 || n == 4 || n == 5 || n == 7; }

std::string at(std::size_t position) { return " at position " + std::to_string(position); }

}  // namespace

std::string base32_encode(std::string_view bytes, Base32Padding padding) {
  std::string out;
  out.reserve((bytes.size() + 4) / 5 * 8);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += kAlphabet[(buffer >> bits) & 31];
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  if (padding == Base32Padding::kPadded) {
    while (out.size() % 8 != 0) out += '=';
  }
  return out;
}

Result<std::string, std::string> base32_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 5 / 8);
  std::uint32_t buffer = 0;
  int bits = 0;
  std::size_t chars = 0;
  std::size_t pads = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ') continue;
    if (c == '=') {
      ++pads;
      continue;
    }
    const int v = value_of(c);
    if (v < 0) return unexpected("base32: a character outside the alphabet" + at(i));
    if (pads > 0) return unexpected("base32: data after '=' padding" + at(i));
    buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    ++chars;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  if (!valid_tail(chars % 8)) return unexpected(std::string("base32: impossible length"));
  if (pads > 0 && (pads >= 8 || (chars + pads) % 8 != 0)) return unexpected(std::string("base32: wrong '=' padding"));
  if ((buffer & ((1u << bits) - 1)) != 0) return unexpected(std::string("base32: non-zero unused bits"));
  return out;
}

}  // namespace gatehouse::otp
