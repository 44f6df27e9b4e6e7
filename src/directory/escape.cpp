#include "directory/escape.hpp"

namespace gatehouse::directory {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void hex_escape(std::string& out, unsigned char c) {
  out += '\\';
  out += kHex[c >> 4];
  out += kHex[c & 15];
}

bool control(unsigned char c) { return c < 0x20 || c == 0x7f; }

}  // namespace

std::string escape_filter_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (unsigned char c : value) {
    if (c == '*' || c == '(' || c == ')' || c == '\\' || control(c))
      hex_escape(out, c);
    else
      out += static_cast<char>(c);
  }
  return out;
}

std::string escape_dn_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    const bool first = i == 0, last = i + 1 == value.size();
    if (control(c)) {
      hex_escape(out, c);
      continue;
    }
    const bool special = c == '"' || c == '+' || c == ',' || c == ';' || c == '<' || c == '>' || c == '\\' ||
                         c == '=' || (first && (c == '#' || c == ' ')) || (last && c == ' ');
    if (special) out += '\\';
    out += static_cast<char>(c);
  }
  return out;
}

std::optional<std::string> fill_user(std::string_view pattern, std::string_view escaped) {
  static constexpr std::string_view kUser = "{user}";
  if (pattern.find(kUser) == std::string_view::npos) return std::nullopt;
  std::string out;
  for (std::size_t at = 0;;) {
    const auto next = pattern.find(kUser, at);
    out += pattern.substr(at, next == std::string_view::npos ? std::string_view::npos : next - at);
    if (next == std::string_view::npos) return out;
    out += escaped;
    at = next + kUser.size();
  }
}

}  // namespace gatehouse::directory
