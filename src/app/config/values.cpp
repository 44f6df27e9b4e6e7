#include "app/config/values.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <system_error>
#include <utility>

namespace gatehouse::app::config {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Parses an optionally negative decimal integer, the whole text and nothing else.
std::optional<std::int64_t> parse_int64(std::string_view s) {
  std::int64_t v = 0;
  const auto* end = s.data() + s.size();
  if (s.empty() || s.front() == '+') return std::nullopt;
  auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc{} || ptr != end) return std::nullopt;
  return v;
}

struct DurationUnit {
  std::string_view suffix;
  std::int64_t ms;
};
// Longest suffix first so "ms" is not read as "m".
constexpr std::array<DurationUnit, 5> kDurationUnits{{
    {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}}};

Parsed<std::int64_t> parse_duration_text(std::string_view text) {
  const std::string bad = "expected a duration such as \"250ms\", \"30s\", \"15m\", \"1h\" or \"2d\", got " + quote(text);
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return unexpected(bad);
  const std::string_view suffix = text.substr(digits);
  for (const auto& unit : kDurationUnits) {
    if (suffix != unit.suffix) continue;
    std::uint64_t n = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + digits, n);
    if (ec != std::errc{} || n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / unit.ms)) {
      return unexpected("duration " + quote(text) + " is too large");
    }
    return static_cast<std::int64_t>(n) * unit.ms;
  }
  return unexpected(bad);
}

// Only called when a string is NOT what the key expects, so a secret (always a string) is never shown.
std::string wrong_type(std::string_view expected, const Value& in) {
  std::string got(in.type);
  if (in.kind == Value::Kind::kString) got += " (" + quote(in.text) + ")";
  return "expected " + std::string(expected) + ", got " + got;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Text helpers

std::string to_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string quote(std::string_view s) {
  constexpr std::size_t kMaxShown = 120;
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > kMaxShown) out += "...";
  out += '"';
  return out;
}

// TOML 1.0 "Basic strings": escape '"', '\\' and control characters.
std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          constexpr char kHex[] = "0123456789ABCDEF";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out += sep;
    out += items[i];
  }
  return out;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void wipe(std::string& s) {
  volatile char* p = s.data();  // a volatile store is not optimised away
  for (std::size_t i = 0; i < s.size(); ++i) p[i] = 0;
  s.clear();
}

// Seconds keys never get "ms": their values are whole seconds.
std::string format_duration(std::int64_t ms) {
  if (ms == 0) return "0s";
  for (auto it = kDurationUnits.rbegin(); it != kDurationUnits.rend(); ++it) {
    if (ms % it->ms == 0) return std::to_string(ms / it->ms) + std::string(it->suffix);
  }
  return std::to_string(ms) + "ms";  // unreachable: 1ms divides everything
}

// ---------------------------------------------------------------------------------------------
// Reading values

Parsed<std::string> read_string(const Value& in) {
  if (in.kind == Value::Kind::kText || in.kind == Value::Kind::kString) return in.text;
  return unexpected(wrong_type("a string", in));
}

Parsed<std::int64_t> read_integer(const Value& in) {
  if (in.from_env()) {
    if (auto v = parse_int64(in.text)) return *v;
    return unexpected("expected an integer, got " + quote(in.text));
  }
  if (in.kind == Value::Kind::kInteger) return in.integer;
  return unexpected(wrong_type("an integer", in));
}

Parsed<bool> read_bool(const Value& in) {
  if (in.from_env()) {
    if (in.text == "true") return true;
    if (in.text == "false") return false;
    return unexpected("expected true or false, got " + quote(in.text));
  }
  if (in.kind == Value::Kind::kBoolean) return in.boolean;
  return unexpected(wrong_type("a boolean (true or false)", in));
}

Parsed<std::int64_t> read_size(const Value& in) {
  if (in.kind == Value::Kind::kInteger) return in.integer;
  if (in.kind != Value::Kind::kText && in.kind != Value::Kind::kString) {
    return unexpected(wrong_type("a size (an integer number of bytes, or a string such as \"64KiB\")", in));
  }
  const std::string_view t = in.text;
  if (auto v = parse_int64(t)) return *v;
  for (const auto& [suffix, factor] : {std::pair<std::string_view, std::int64_t>{"KiB", 1024},
                                       std::pair<std::string_view, std::int64_t>{"MiB", 1024 * 1024}}) {
    if (t.size() > suffix.size() && t.ends_with(suffix) && all_digits(t.substr(0, t.size() - suffix.size()))) {
      auto n = parse_int64(t.substr(0, t.size() - suffix.size()));
      if (!n || *n > std::numeric_limits<std::int64_t>::max() / factor) return unexpected("size " + quote(t) + " is too large");
      return *n * factor;
    }
  }
  return unexpected("expected a size (an integer number of bytes, or a string such as \"64KiB\" or \"16MiB\"), got " + quote(t));
}

Parsed<std::int64_t> read_duration(const Value& in, std::int64_t unit_ms) {
  const std::string unit_word = unit_ms == 1 ? "milliseconds" : "seconds";
  auto scale = [&](std::int64_t n) -> Parsed<std::int64_t> {
    if (n > std::numeric_limits<std::int64_t>::max() / unit_ms || n < std::numeric_limits<std::int64_t>::min() / unit_ms) {
      return unexpected("duration " + std::to_string(n) + " " + unit_word + " is too large");
    }
    return n * unit_ms;
  };
  if (in.from_env()) {
    if (auto n = parse_int64(in.text)) return scale(*n);
    return parse_duration_text(in.text);
  }
  if (in.kind == Value::Kind::kInteger) return scale(in.integer);
  if (in.kind == Value::Kind::kString) return parse_duration_text(in.text);
  return unexpected(wrong_type("a duration (an integer number of " + unit_word + ", or a string such as \"30s\")", in));
}

Parsed<std::vector<std::string>> read_string_list(const Value& in) {
  std::vector<std::string> out;
  if (in.from_env()) {
    std::string_view rest = in.text;
    if (trim(rest).empty()) return out;
    while (true) {
      const auto comma = rest.find(',');
      const std::string_view item = trim(rest.substr(0, comma));
      if (item.empty()) return unexpected("expected a comma-separated list such as \"RS256,ES256\", got " + quote(in.text));
      out.emplace_back(item);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    return out;
  }
  if (in.kind != Value::Kind::kArray) return unexpected(wrong_type("an array of strings", in));
  if (in.bad_item) {
    return unexpected("expected an array of strings, but element " + std::to_string(in.bad_item->first) + " is " +
                      std::string(in.bad_item->second));
  }
  return in.items;
}

}  // namespace gatehouse::app::config
