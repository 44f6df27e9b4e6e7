#include "saml/canonical_text.hpp"

namespace gatehouse::saml {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

/// The length of the well-formed UTF-8 sequence at `at`: positive when XML 1.0 allows the
/// character it encodes (Char, XML 1.0 §2.2), negative when it does not; 0 when the byte at `at`
/// does not begin a well-formed sequence.
int utf8_length(std::string_view s, std::size_t at) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[at + i]); };
  const auto tail = [&](std::size_t i) { return at + i < s.size() && (b(i) & 0xC0) == 0x80; };
  const unsigned char c = b(0);
  if (c < 0x80) return c >= 0x20 || c == '\t' || c == '\n' || c == '\r' ? 1 : -1;
  if (c >= 0xC2 && c <= 0xDF) return tail(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!tail(1) || !tail(2)) return 0;
    const unsigned cp = ((c & 0x0Fu) << 12) | ((b(1) & 0x3Fu) << 6) | (b(2) & 0x3Fu);
    if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;  // overlong, or a surrogate
    return cp == 0xFFFE || cp == 0xFFFF ? -3 : 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!tail(1) || !tail(2) || !tail(3)) return 0;
    const unsigned cp = ((c & 0x07u) << 18) | ((b(1) & 0x3Fu) << 12) | ((b(2) & 0x3Fu) << 6) | (b(3) & 0x3Fu);
    return cp >= 0x10000 && cp <= 0x10FFFF ? 4 : 0;
  }
  return 0;
}

/// Appends `text`, each character through `escape` (the replacement for an ASCII character, or
/// "" to copy it), and what XML cannot carry as U+FFFD.
template <class Escape>
void append_escaped(std::string& out, std::string_view text, Escape escape) {
  std::size_t at = 0;
  while (at < text.size()) {
    const int n = utf8_length(text, at);
    if (n <= 0) {  // one U+FFFD for a character XML excludes, one per byte of what is not UTF-8
      out += kReplacement;
      at += n < 0 ? static_cast<std::size_t>(-n) : 1;
      continue;
    }
    if (n == 1) {
      const auto replacement = escape(text[at]);
      if (replacement.empty()) out += text[at];
      else out += replacement;
    } else {
      out.append(text, at, static_cast<std::size_t>(n));
    }
    at += static_cast<std::size_t>(n);
  }
}

}  // namespace

void append_c14n_text(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size());
  append_escaped(out, text, [](char c) -> std::string_view {
    switch (c) {
      case '&': return "&amp;";
      case '<': return "&lt;";
      case '>': return "&gt;";
      case '\r': return "&#xD;";
      default: return {};
    }
  });
}

void append_c14n_attribute(std::string& out, std::string_view name, std::string_view value) {
  out.reserve(out.size() + name.size() + value.size() + 4);
  out += ' ';
  out += name;
  out += "=\"";
  append_escaped(out, value, [](char c) -> std::string_view {
    switch (c) {
      case '&': return "&amp;";
      case '<': return "&lt;";
      case '"': return "&quot;";
      case '\t': return "&#x9;";
      case '\n': return "&#xA;";
      case '\r': return "&#xD;";
      default: return {};
    }
  });
  out += '"';
}

}  // namespace gatehouse::saml
