#include "saml/encoding.hpp"

#include <array>
#include <cstring>
#include <stdexcept>

#include <zlib.h>

namespace gatehouse::saml {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr int kRawDeflateWindow = -15;  // negative window bits: raw DEFLATE, no zlib header
constexpr std::size_t kChunk = 16 * 1024;

constexpr std::array<signed char, 256> decode_table() {
  std::array<signed char, 256> t{};
  for (auto& v : t) v = -1;
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<signed char>(i);
  return t;
}
constexpr auto kDecode = decode_table();

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

struct InflateStream {
  z_stream z{};
  bool ok = false;
  InflateStream() { ok = inflateInit2(&z, kRawDeflateWindow) == Z_OK; }
  ~InflateStream() { if (ok) inflateEnd(&z); }
};

struct DeflateStream {
  z_stream z{};
  bool ok = false;
  DeflateStream() { ok = deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kRawDeflateWindow, 8, Z_DEFAULT_STRATEGY) == Z_OK; }
  ~DeflateStream() { if (ok) deflateEnd(&z); }
};

}  // namespace

std::string base64_encode(std::string_view bytes, std::size_t line_length) {
  // Sized once and written through a pointer: this runs on every answer's ~5 KiB (bench/run).
  const std::size_t chars = (bytes.size() + 2) / 3 * 4;
  const std::size_t breaks = line_length != 0 && chars != 0 ? (chars - 1) / line_length : 0;
  std::string out(chars + breaks, '\0');
  char* o = out.data();
  std::size_t column = 0;
  const auto put4 = [&](unsigned v, bool two, bool three) {
    const char quad[4] = {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], two ? kAlphabet[(v >> 6) & 63] : '=',
                          three ? kAlphabet[v & 63] : '='};
    if (line_length == 0 || column + 4 <= line_length) {
      std::memcpy(o, quad, 4);
      o += 4;
      column += 4;
      return;
    }
    for (char c : quad) {
      if (column == line_length) {
        *o++ = '\n';
        column = 0;
      }
      *o++ = c;
      ++column;
    }
  };
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) put4((b[i] << 16) | (b[i + 1] << 8) | b[i + 2], true, true);
  if (const std::size_t rest = bytes.size() - i; rest > 0)
    put4((b[i] << 16) | (rest == 2 ? b[i + 1] << 8 : 0), rest == 2, false);
  out.resize(static_cast<std::size_t>(o - out.data()));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3);
  unsigned accumulator = 0;
  std::size_t symbols = 0;  // alphabet characters and padding seen, whitespace aside
  std::size_t padding = 0;
  for (char c : text) {
    if (is_space(c)) continue;
    if (c == '=') { ++padding; ++symbols; continue; }
    if (padding > 0) return std::nullopt;  // data after padding
    const signed char v = kDecode[static_cast<unsigned char>(c)];
    if (v < 0) return std::nullopt;
    accumulator = (accumulator << 6) | static_cast<unsigned>(v);
    if (++symbols % 4 == 0) {
      out += static_cast<char>(accumulator >> 16);
      out += static_cast<char>((accumulator >> 8) & 0xFF);
      out += static_cast<char>(accumulator & 0xFF);
      accumulator = 0;
    }
  }
  if (symbols % 4 != 0 || padding > 2) return std::nullopt;
  if (padding == 1) {  // three symbols: 18 bits, two bytes
    out += static_cast<char>(accumulator >> 10);
    out += static_cast<char>((accumulator >> 2) & 0xFF);
  } else if (padding == 2) {  // two symbols: 12 bits, one byte
    out += static_cast<char>(accumulator >> 4);
  }
  return out;
}

Result<std::string, std::string> inflate_raw(std::string_view compressed, std::size_t max_output) {
  InflateStream s;
  if (!s.ok) return unexpected(std::string("inflate: zlib could not start"));
  s.z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  s.z.avail_in = static_cast<uInt>(compressed.size());
  if (compressed.size() != s.z.avail_in) return unexpected(std::string("inflate: input too large"));
  std::string out;
  std::array<char, kChunk> buffer;
  for (;;) {
    s.z.next_out = reinterpret_cast<Bytef*>(buffer.data());
    s.z.avail_out = static_cast<uInt>(buffer.size());
    const int rc = inflate(&s.z, Z_NO_FLUSH);
    const std::size_t produced = buffer.size() - s.z.avail_out;
    if (out.size() + produced > max_output) {
      return unexpected("inflate: more than " + std::to_string(max_output) + " bytes");
    }
    out.append(buffer.data(), produced);
    if (rc == Z_STREAM_END) break;
    if (rc == Z_BUF_ERROR && s.z.avail_in == 0) return unexpected(std::string("inflate: truncated stream"));
    if (rc != Z_OK) return unexpected(std::string("inflate: not a raw DEFLATE stream"));
  }
  if (s.z.avail_in != 0) return unexpected(std::string("inflate: bytes after the end of the stream"));
  return out;
}

std::string deflate_raw(std::string_view bytes) {
  DeflateStream s;
  if (!s.ok) throw std::runtime_error("deflate: zlib could not start");
  s.z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  s.z.avail_in = static_cast<uInt>(bytes.size());
  std::string out(deflateBound(&s.z, static_cast<uLong>(bytes.size())), '\0');
  s.z.next_out = reinterpret_cast<Bytef*>(out.data());
  s.z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&s.z, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate: zlib failed");
  out.resize(out.size() - s.z.avail_out);
  return out;
}

}  // namespace gatehouse::saml
