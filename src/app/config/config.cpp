#include "app/config/config.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string_view>
#include <system_error>
#include <type_traits>

#include <arpa/inet.h>  // inet_pton
#include <unistd.h>     // environ

// The only translation unit that includes toml++ (it is heavy to compile).
#include <boost/url/parse.hpp>
#include <toml++/toml.h>

#include "core/base64url.hpp"
#include "http/address.hpp"

namespace gatehouse::app::config {
namespace {

// A check either passes or returns a message without the key; the caller prefixes the key's label.
using Check = Result<void, std::string>;
template <class T>
using Parsed = Result<T, std::string>;

constexpr std::string_view kEnvPrefix = "GATEHOUSE_";
constexpr std::string_view kSqlitePrefix = "sqlite:";
constexpr std::int64_t kMsPerSecond = 1000;

// ---------------------------------------------------------------------------------------------
// Text helpers

std::string to_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Quotes a value for an error message: escapes control characters and cuts very long values so a
// message stays one readable line.
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

// A TOML basic string (TOML 1.0 "Basic strings": escape '"', '\\' and control characters).
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

// Parses an optionally negative decimal integer, the whole text and nothing else.
std::optional<std::int64_t> parse_int64(std::string_view s) {
  std::int64_t v = 0;
  const auto* end = s.data() + s.size();
  if (s.empty() || s.front() == '+') return std::nullopt;
  auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc{} || ptr != end) return std::nullopt;
  return v;
}

// Wipes a buffer that held key material (best effort: the volatile store is not optimised away).
void wipe(std::string& s) {
  volatile char* p = s.data();
  for (std::size_t i = 0; i < s.size(); ++i) p[i] = 0;
  s.clear();
}

// ---------------------------------------------------------------------------------------------
// Durations: "250ms", "30s", "15m", "1h", "2d", or an integer in the field's own unit.

struct DurationUnit {
  std::string_view suffix;
  std::int64_t ms;
};
// Longest suffix first so "ms" is not read as "m".
constexpr std::array<DurationUnit, 5> kDurationUnits{{
    {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}}};

// Writes a duration with the largest unit that divides it exactly; seconds fields never get "ms".
std::string format_duration(std::int64_t ms) {
  if (ms == 0) return "0s";
  for (auto it = kDurationUnits.rbegin(); it != kDurationUnits.rend(); ++it) {
    if (ms % it->ms == 0) return std::to_string(ms / it->ms) + std::string(it->suffix);
  }
  return std::to_string(ms) + "ms";  // unreachable: 1ms divides everything
}

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

// ---------------------------------------------------------------------------------------------
// Reading one value from its source: a TOML node (file) or a string (environment).

struct Input {
  const toml::node* node = nullptr;  // set when the value comes from the file
  const std::string* text = nullptr;  // set when the value comes from the environment
};

std::string type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "nothing";
  }
}

// Only called when a string is NOT what the key expects, so a secret (always a string) is never shown.
std::string wrong_type(std::string_view expected, const toml::node& node) {
  std::string got = type_name(node);
  if (const auto* s = node.as_string()) got += " (" + quote(s->get()) + ")";
  return "expected " + std::string(expected) + ", got " + got;
}

Parsed<std::string> read_string(const Input& in) {
  if (in.text) return *in.text;
  if (const auto* s = in.node->as_string()) return s->get();
  return unexpected(wrong_type("a string", *in.node));
}

Parsed<std::int64_t> read_integer(const Input& in) {
  if (in.text) {
    if (auto v = parse_int64(*in.text)) return *v;
    return unexpected("expected an integer, got " + quote(*in.text));
  }
  if (const auto* i = in.node->as_integer()) return i->get();
  return unexpected(wrong_type("an integer", *in.node));
}

Parsed<bool> read_bool(const Input& in) {
  if (in.text) {
    if (*in.text == "true") return true;
    if (*in.text == "false") return false;
    return unexpected("expected true or false, got " + quote(*in.text));
  }
  if (const auto* b = in.node->as_boolean()) return b->get();
  return unexpected(wrong_type("a boolean (true or false)", *in.node));
}

// A byte size: an integer number of bytes, or a string "64KiB" / "16MiB".
Parsed<std::int64_t> read_size(const Input& in) {
  if (in.node && in.node->is_integer()) return in.node->as_integer()->get();
  std::string text;
  if (in.text) {
    text = *in.text;
  } else if (const auto* s = in.node->as_string()) {
    text = s->get();
  } else {
    return unexpected(wrong_type("a size (an integer number of bytes, or a string such as \"64KiB\")", *in.node));
  }
  if (auto v = parse_int64(text)) return *v;
  for (const auto& [suffix, factor] : {std::pair<std::string_view, std::int64_t>{"KiB", 1024},
                                       std::pair<std::string_view, std::int64_t>{"MiB", 1024 * 1024}}) {
    const std::string_view t = text;
    if (t.size() > suffix.size() && t.ends_with(suffix) && all_digits(t.substr(0, t.size() - suffix.size()))) {
      auto n = parse_int64(t.substr(0, t.size() - suffix.size()));
      if (!n || *n > std::numeric_limits<std::int64_t>::max() / factor) return unexpected("size " + quote(text) + " is too large");
      return *n * factor;
    }
  }
  return unexpected("expected a size (an integer number of bytes, or a string such as \"64KiB\" or \"16MiB\"), got " + quote(text));
}

// A duration in milliseconds. Bare integers are in `unit_ms` (1000 for seconds fields, 1 for
// milliseconds fields): TOML integers, and environment values made only of digits.
Parsed<std::int64_t> read_duration(const Input& in, std::int64_t unit_ms) {
  const std::string unit_word = unit_ms == 1 ? "milliseconds" : "seconds";
  auto scale = [&](std::int64_t n) -> Parsed<std::int64_t> {
    if (n > std::numeric_limits<std::int64_t>::max() / unit_ms || n < std::numeric_limits<std::int64_t>::min() / unit_ms) {
      return unexpected("duration " + std::to_string(n) + " " + unit_word + " is too large");
    }
    return n * unit_ms;
  };
  if (in.text) {
    if (auto n = parse_int64(*in.text)) return scale(*n);
    return parse_duration_text(*in.text);
  }
  if (const auto* i = in.node->as_integer()) return scale(i->get());
  if (const auto* s = in.node->as_string()) return parse_duration_text(s->get());
  return unexpected(wrong_type("a duration (an integer number of " + unit_word + ", or a string such as \"30s\")", *in.node));
}

// An array of strings; from the environment, comma-separated ("RS256,ES256").
Parsed<std::vector<std::string>> read_string_list(const Input& in) {
  std::vector<std::string> out;
  if (in.text) {
    std::string_view rest = *in.text;
    if (trim(rest).empty()) return out;
    while (true) {
      const auto comma = rest.find(',');
      const std::string_view item = trim(rest.substr(0, comma));
      if (item.empty()) return unexpected("expected a comma-separated list such as \"RS256,ES256\", got " + quote(*in.text));
      out.emplace_back(item);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    return out;
  }
  const auto* array = in.node->as_array();
  if (!array) return unexpected(wrong_type("an array of strings", *in.node));
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto* s = array->get(i)->as_string();
    if (!s) return unexpected("expected an array of strings, but element " + std::to_string(i + 1) + " is " + type_name(*array->get(i)));
    out.push_back(s->get());
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Validators for string values (they may normalise the value in place).

bool valid_port(std::string_view s) {
  if (s.empty() || s.size() > 5 || !all_digits(s)) return false;
  return std::stoi(std::string(s)) <= 65535;
}

bool valid_ipv6(std::string_view s) {
  // An optional zone ("fe80::1%eth0") is accepted; the address part must parse.
  const auto percent = s.find('%');
  if (percent != std::string_view::npos) {
    const auto zone = s.substr(percent + 1);
    if (zone.empty() || !std::all_of(zone.begin(), zone.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
        })) {
      return false;
    }
    s = s.substr(0, percent);
  }
  unsigned char buf[16];
  return inet_pton(AF_INET6, std::string(s).c_str(), buf) == 1;
}

// An IPv4 address in dotted-quad form, or a DNS name (RFC 1123 labels).
bool valid_host_name_or_ipv4(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  const bool looks_numeric = std::all_of(host.begin(), host.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
  if (looks_numeric) {
    unsigned char buf[4];
    return inet_pton(AF_INET, std::string(host).c_str(), buf) == 1;
  }
  std::string_view rest = host;
  if (rest.back() == '.') rest.remove_suffix(1);  // a fully qualified name
  while (true) {
    const auto dot = rest.find('.');
    const auto label = rest.substr(0, dot);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    if (!std::all_of(label.begin(), label.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; })) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    rest.remove_prefix(dot + 1);
  }
}

// "host:port", "[v6]:port". Returns a reason, or nothing when valid.
std::optional<std::string> host_port_problem(std::string_view s) {
  std::string_view host;
  std::string_view port;
  if (!s.empty() && s.front() == '[') {
    const auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') return "";
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
    if (!valid_ipv6(host)) return "\"" + std::string(host) + "\" is not an IPv6 address";
  } else {
    const auto colon = s.rfind(':');
    if (colon == std::string_view::npos) return "";
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return "write an IPv6 address in brackets, e.g. \"[::1]:9011\"";
    if (!valid_host_name_or_ipv4(host)) return "";
  }
  if (!valid_port(port)) return "the port must be a number from 0 to 65535";
  return std::nullopt;
}

Check check_listen(std::string& v) {
  if (auto problem = host_port_problem(v)) {
    std::string msg = "expected \"host:port\", got " + quote(v);
    msg += problem->empty() ? std::string(" (host: IPv4, [IPv6] or a name; port: 0-65535)") : ": " + *problem;
    return unexpected(msg);
  }
  return {};
}

bool is_unreserved_or_subdelim(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("-._~!$&'()*+,;=").find(c) != std::string_view::npos;
}

// The issuer (OpenID Connect Discovery 1.0 §3: https URL with scheme, host, optional port and
// path, and no query or fragment). http is allowed for local development and behind TLS
// termination. Removes trailing '/' so "<issuer>/.well-known/..." is well formed.
Check check_public_url(std::string& v) {
  const std::string shown = quote(v);
  std::string_view rest = v;
  if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    const auto colon = rest.find(':');
    if (colon != std::string_view::npos && colon > 0 && rest.substr(colon).starts_with("://")) {
      return unexpected("the scheme must be http or https (lower case), got " + shown);
    }
    return unexpected("expected an absolute http or https URL such as \"https://id.example.com\", got " + shown);
  }
  if (v.find('#') != std::string::npos) return unexpected("must not contain a fragment ('#'), got " + shown);
  if (v.find('?') != std::string::npos) return unexpected("must not contain a query ('?'), got " + shown);
  const auto slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  const std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) return unexpected("must not contain user information ('user@'), got " + shown);
  if (authority.empty()) return unexpected("has no host: " + shown);
  // host[:port] or [v6][:port]
  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  if (host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos) return unexpected("has an unterminated IPv6 host: " + shown);
    if (close + 1 < host.size()) {
      if (host[close + 1] != ':') return unexpected("has an invalid host: " + shown);
      port = host.substr(close + 2);
      has_port = true;
    }
    if (!valid_ipv6(host.substr(1, close - 1))) return unexpected("has an invalid IPv6 host: " + shown);
  } else {
    const auto colon = host.find(':');
    if (colon != std::string_view::npos) {
      port = host.substr(colon + 1);
      has_port = true;
      host = host.substr(0, colon);
    }
    if (!valid_host_name_or_ipv4(host)) return unexpected("has an invalid host: " + shown);
  }
  if (has_port && (!valid_port(port) || std::stoi(std::string(port)) == 0)) {
    return unexpected("has an invalid port (1-65535): " + shown);
  }
  for (std::size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '%') {
      if (i + 2 >= path.size() || !std::isxdigit(static_cast<unsigned char>(path[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(path[i + 2]))) {
        return unexpected("has an invalid percent-encoding in its path: " + shown);
      }
      continue;
    }
    if (!is_unreserved_or_subdelim(c) && c != '/' && c != ':' && c != '@') {
      return unexpected("has a character that must be percent-encoded in its path: " + shown);
    }
  }
  while (!v.empty() && v.back() == '/') v.pop_back();
  return {};
}

Check check_database_url(std::string& v) {
  if (v.starts_with(kSqlitePrefix)) {
    const std::string_view path = std::string_view(v).substr(kSqlitePrefix.size());
    if (path.empty()) return unexpected("\"sqlite:\" needs a path, e.g. \"sqlite:./data/gatehouse.db\" or \"sqlite::memory:\"");
    if (path.starts_with("//")) {
      return unexpected("write \"sqlite:PATH\" (e.g. \"sqlite:/var/lib/gatehouse/gatehouse.db\"), not \"sqlite://...\"");
    }
    return {};
  }
  // Never echo the URL: a database URL may carry a password. Name only the scheme.
  const auto colon = v.find(':');
  std::string scheme = colon == std::string::npos ? std::string() : v.substr(0, colon);
  const bool scheme_ok = !scheme.empty() && std::all_of(scheme.begin(), scheme.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
  });
  if (scheme_ok && (scheme == "postgres" || scheme == "postgresql")) {
    auto parsed = boost::urls::parse_uri(v);
    if (!parsed || !parsed->has_authority() || parsed->encoded_host().empty() || parsed->has_fragment())
      return unexpected("expected a PostgreSQL URI such as \"postgresql://gatehouse@db.example.com:5432/gatehouse\" "
                        "(the value is not shown because it may contain a password)");
    return {};
  }
  if (scheme_ok) return unexpected("the \"" + scheme + ":\" scheme is not supported; use \"sqlite:PATH\" or \"postgresql://...\"");
  return unexpected("expected \"sqlite:PATH\" (e.g. \"sqlite:./data/gatehouse.db\") or a \"postgresql://...\" URI");
}

Check check_node_id(std::string& v) {
  if (v.empty()) return {};  // required only in cluster mode (checked across keys)
  if (v.size() > 64 || !std::all_of(v.begin(), v.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
      }))
    return unexpected("must be 1-64 letters, digits, '.', '_' or '-', got " + quote(v));
  return {};
}

Check check_node_url(std::string& v) {
  if (v.empty()) return {};
  auto parsed = boost::urls::parse_absolute_uri(v);
  if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https") || parsed->encoded_host().empty() ||
      parsed->has_userinfo() || parsed->has_query() || parsed->has_fragment())
    return unexpected("must be an absolute http or https URL without userinfo, query or fragment, got " + quote(v));
  while (v.size() > 1 && v.back() == '/') v.pop_back();
  return {};
}

Check check_redis_url(std::string& v) {
  if (v.empty()) return {};
  // Never echo the URL: it may carry a password.
  auto parsed = boost::urls::parse_uri(v);
  const auto path = parsed ? std::string(parsed->path()) : std::string();
  const bool db_ok = path.empty() || path == "/" ||
                     (path.size() <= 4 && std::all_of(path.begin() + 1, path.end(), [](char c) { return c >= '0' && c <= '9'; }));
  if (!parsed || parsed->scheme() != "redis" || !parsed->has_authority() || parsed->encoded_host().empty() ||
      parsed->has_query() || parsed->has_fragment() || !db_ok)
    return unexpected("expected a Redis URL such as \"redis://127.0.0.1:6379/0\" or \"redis://:PASSWORD@cache.internal:6379\" "
                      "(the value is not shown because it may contain a password)");
  return {};
}

std::string render_redis_url(const Config& c) { return toml_string(redact_url(c.cache.redis_url)); }

Check check_master_key(std::string& v) {
  // Never echo any part of the value.
  const std::string how = "must be exactly 32 random bytes as base64url (no padding) or standard base64, "
                          "e.g. from `openssl rand -base64 32`";
  if (v.empty()) return unexpected("is empty; " + how + " (or leave it unset to use keys.master_key_file)");
  auto bytes = base64_either_decode(v);
  if (!bytes) return unexpected("is not valid base64url or base64; it " + how);
  const std::size_t n = bytes->size();
  wipe(*bytes);
  if (n != 32) return unexpected("decodes to " + std::to_string(n) + " bytes; it " + how);
  return {};
}

Check check_any(std::string&) { return {}; }

constexpr std::array<std::string_view, 2> kAlgorithms{"RS256", "ES256"};

Check check_algorithm(std::string& v) {
  if (std::find(kAlgorithms.begin(), kAlgorithms.end(), v) == kAlgorithms.end()) {
    return unexpected("expected \"RS256\" or \"ES256\", got " + quote(v));
  }
  return {};
}

Check check_cookie_name(const std::string& v) {
  if (v.empty() || v.size() > 64 ||
      !std::all_of(v.begin(), v.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }))
    return unexpected(std::string("must be 1 to 64 letters, digits, '_' or '-'"));
  return {};
}

Check check_cookie_path(const std::string& v) {
  if (v.empty() || v.front() != '/' || v.size() > 256 ||
      std::any_of(v.begin(), v.end(), [](char c) { return c == ';' || c <= 0x20 || c == 0x7f; }))
    return unexpected(std::string("must start with '/' and contain no ';', spaces or control characters"));
  return {};
}

Check check_log_level(std::string& v) {
  constexpr std::array<std::string_view, 6> kLevels{"trace", "debug", "info", "warn", "error", "off"};
  if (std::find(kLevels.begin(), kLevels.end(), v) == kLevels.end()) {
    return unexpected("expected one of trace, debug, info, warn, error, off; got " + quote(v));
  }
  return {};
}

Check check_log_format(std::string& v) {
  if (v != "json" && v != "text") return unexpected("expected \"json\" or \"text\"; got " + quote(v));
  return {};
}

Check check_forwarded_header(std::string& v) {
  if (!http::parse_forwarded_header(v)) return unexpected("expected \"x-forwarded-for\" or \"forwarded\"; got " + quote(v));
  return {};
}

Check check_algorithms(std::vector<std::string>& list) {
  if (list.empty()) return unexpected("must list at least one algorithm (RS256 is required)");
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (auto ok = check_algorithm(list[i]); !ok) return unexpected("element " + std::to_string(i + 1) + ": " + ok.error());
    if (std::find(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(i), list[i]) != list.begin() + static_cast<std::ptrdiff_t>(i)) {
      return unexpected("lists " + quote(list[i]) + " twice");
    }
  }
  // OpenID Connect Core 1.0 §15.1: RS256 must be supported for ID Tokens.
  if (std::find(list.begin(), list.end(), "RS256") == list.end()) {
    return unexpected("must contain \"RS256\" (OpenID Connect Core 1.0 §15.1 requires it)");
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// The key table. Each entry knows how to read, validate and store one key, and how to render it.

template <auto Section, auto Field>
auto& field(Config& c) {
  return (c.*Section).*Field;
}
template <auto Section, auto Field>
const auto& field(const Config& c) {
  return (c.*Section).*Field;
}

std::string range_message(const std::string& lo, const std::string& hi, const std::string& got) {
  return "must be between " + lo + " and " + hi + ", got " + got;
}

template <auto Section, auto Field, auto Validate>
Check apply_string(Config& c, const Input& in) {
  auto v = read_string(in);
  if (!v) return unexpected(v.error());
  if (auto ok = Validate(*v); !ok) return ok;
  field<Section, Field>(c) = std::move(*v);
  return {};
}

template <auto Section, auto Field, std::int64_t Min, std::int64_t Max>
Check apply_integer(Config& c, const Input& in) {
  auto v = read_integer(in);
  if (!v) return unexpected(v.error());
  if (*v < Min || *v > Max) return unexpected(range_message(std::to_string(Min), std::to_string(Max), std::to_string(*v)));
  using T = std::remove_reference_t<decltype(field<Section, Field>(c))>;
  field<Section, Field>(c) = static_cast<T>(*v);
  return {};
}

template <auto Section, auto Field>
Check apply_bool(Config& c, const Input& in) {
  auto v = read_bool(in);
  if (!v) return unexpected(v.error());
  field<Section, Field>(c) = *v;
  return {};
}

template <auto Section, auto Field, std::int64_t Min, std::int64_t Max>
Check apply_size(Config& c, const Input& in) {
  auto v = read_size(in);
  if (!v) return unexpected(v.error());
  if (*v < Min || *v > Max) return unexpected(range_message(std::to_string(Min), std::to_string(Max), std::to_string(*v)));
  using T = std::remove_reference_t<decltype(field<Section, Field>(c))>;
  field<Section, Field>(c) = static_cast<T>(*v);
  return {};
}

template <class Duration>
constexpr std::int64_t unit_ms() {
  return std::chrono::duration_cast<milliseconds>(Duration{1}).count();
}

// MinMs/MaxMs bound the value in milliseconds, whatever the field's unit.
template <auto Section, auto Field, std::int64_t MinMs, std::int64_t MaxMs>
Check apply_duration(Config& c, const Input& in) {
  using D = std::remove_cvref_t<decltype(field<Section, Field>(c))>;
  constexpr std::int64_t kUnit = unit_ms<D>();
  auto ms = read_duration(in, kUnit);
  if (!ms) return unexpected(ms.error());
  if (*ms % kUnit != 0) return unexpected("must be a whole number of seconds, got " + format_duration(*ms));
  if (*ms < MinMs || *ms > MaxMs) return unexpected(range_message(format_duration(MinMs), format_duration(MaxMs), format_duration(*ms)));
  field<Section, Field>(c) = D{*ms / kUnit};
  return {};
}

Check apply_algorithms(Config& c, const Input& in) {
  auto v = read_string_list(in);
  if (!v) return unexpected(v.error());
  if (auto ok = check_algorithms(*v); !ok) return ok;
  c.keys.algorithms = std::move(*v);
  return {};
}

Check apply_master_key(Config& c, const Input& in) {
  auto v = read_string(in);
  if (!v) return unexpected(v.error());
  if (auto ok = check_master_key(*v); !ok) {
    wipe(*v);
    return ok;
  }
  c.keys.master_key = MasterKeyBytes(std::move(*v));
  return {};
}

// Rendering: one "name = value" line (or a comment for secrets).
template <auto Section, auto Field>
std::string render_string(const Config& c) {
  return toml_string(field<Section, Field>(c));
}
template <auto Section, auto Field>
std::string render_number(const Config& c) {
  return std::to_string(field<Section, Field>(c));
}
template <auto Section, auto Field>
std::string render_bool(const Config& c) {
  return field<Section, Field>(c) ? "true" : "false";
}
template <auto Section, auto Field>
std::string render_duration(const Config& c) {
  return toml_string(format_duration(std::chrono::duration_cast<milliseconds>(field<Section, Field>(c)).count()));
}
std::string render_database_url(const Config& c) { return toml_string(redact_url(c.database.url)); }
// A list of addresses/CIDRs (server.trusted_proxies, metrics.allow): the same rules as http::AddressList.
template <auto Section, auto Field>
Check apply_address_list(Config& c, const Input& in) {
  auto v = read_string_list(in);
  if (!v) return unexpected(v.error());
  if (auto parsed = http::AddressList::parse(*v); !parsed) return unexpected(parsed.error());
  field<Section, Field>(c) = std::move(*v);
  return {};
}

template <auto Section, auto Field>
std::string render_string_list(const Config& c) {
  std::vector<std::string> items;
  for (const auto& a : field<Section, Field>(c)) items.push_back(toml_string(a));
  return "[" + join(items, ", ") + "]";
}

Check apply_metrics_token(Config& c, const Input& in) {
  auto v = read_string(in);
  if (!v) return unexpected(v.error());
  if (!v->empty() && (v->size() < 16 || v->size() > 512 ||
                      !std::all_of(v->begin(), v->end(), [](char ch) { return ch > 0x20 && ch < 0x7f; }))) {
    wipe(*v);
    return unexpected(std::string("must be 16 to 512 printable characters without spaces (value not shown)"));
  }
  c.metrics.token = MetricsToken(std::move(*v));
  return {};
}

std::string render_algorithms(const Config& c) {
  std::vector<std::string> items;
  for (const auto& a : c.keys.algorithms) items.push_back(toml_string(a));
  return "[" + join(items, ", ") + "]";
}

struct KeySpec {
  std::string_view section;
  std::string_view name;
  Check (*apply)(Config&, const Input&);
  std::string (*render)(const Config&);  // nullptr for secrets (rendered specially)
};

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;

using S = ServerConfig;
using Db = DatabaseConfig;
using K = KeysConfig;
using T = TokensConfig;

// The order here is the order of render() and of docs/CONFIG.md.
const std::array kKeys{
    KeySpec{"server", "listen", &apply_string<&Config::server, &S::listen, check_listen>, &render_string<&Config::server, &S::listen>},
    KeySpec{"server", "public_url", &apply_string<&Config::server, &S::public_url, check_public_url>,
            &render_string<&Config::server, &S::public_url>},
    KeySpec{"server", "io_threads", &apply_integer<&Config::server, &S::io_threads, 0, 256>, &render_number<&Config::server, &S::io_threads>},
    KeySpec{"server", "worker_threads", &apply_integer<&Config::server, &S::worker_threads, 0, 1024>,
            &render_number<&Config::server, &S::worker_threads>},
    KeySpec{"server", "max_pending_requests", &apply_integer<&Config::server, &S::max_pending_requests, 1, 1'000'000>,
            &render_number<&Config::server, &S::max_pending_requests>},
    KeySpec{"server", "max_connections", &apply_integer<&Config::server, &S::max_connections, 1, 1'000'000>,
            &render_number<&Config::server, &S::max_connections>},
    KeySpec{"server", "max_body_bytes", &apply_size<&Config::server, &S::max_body_bytes, 1024, 16 * 1024 * 1024>,
            &render_number<&Config::server, &S::max_body_bytes>},
    KeySpec{"server", "max_header_bytes", &apply_size<&Config::server, &S::max_header_bytes, 1024, 1024 * 1024>,
            &render_number<&Config::server, &S::max_header_bytes>},
    KeySpec{"server", "header_timeout", &apply_duration<&Config::server, &S::header_timeout, 100, 10 * kMinute>,
            &render_duration<&Config::server, &S::header_timeout>},
    KeySpec{"server", "idle_timeout", &apply_duration<&Config::server, &S::idle_timeout, 100, kHour>,
            &render_duration<&Config::server, &S::idle_timeout>},
    KeySpec{"server", "drain_delay", &apply_duration<&Config::server, &S::drain_delay, 0, 10 * kMinute>,
            &render_duration<&Config::server, &S::drain_delay>},
    KeySpec{"server", "shutdown_grace", &apply_duration<&Config::server, &S::shutdown_grace, 0, 10 * kMinute>,
            &render_duration<&Config::server, &S::shutdown_grace>},
    KeySpec{"server", "trusted_proxies", &apply_address_list<&Config::server, &S::trusted_proxies>,
            &render_string_list<&Config::server, &S::trusted_proxies>},
    KeySpec{"server", "forwarded_header", &apply_string<&Config::server, &S::forwarded_header, check_forwarded_header>,
            &render_string<&Config::server, &S::forwarded_header>},
    KeySpec{"server", "tls_cert_file", &apply_string<&Config::server, &S::tls_cert_file, check_any>,
            &render_string<&Config::server, &S::tls_cert_file>},
    KeySpec{"server", "tls_key_file", &apply_string<&Config::server, &S::tls_key_file, check_any>,
            &render_string<&Config::server, &S::tls_key_file>},
    KeySpec{"database", "url", &apply_string<&Config::database, &Db::url, check_database_url>, &render_database_url},
    KeySpec{"database", "pool_size", &apply_integer<&Config::database, &Db::pool_size, 1, 256>,
            &render_number<&Config::database, &Db::pool_size>},
    KeySpec{"database", "busy_timeout", &apply_duration<&Config::database, &Db::busy_timeout, 0, 10 * kMinute>,
            &render_duration<&Config::database, &Db::busy_timeout>},
    KeySpec{"keys", "master_key_file", &apply_string<&Config::keys, &K::master_key_file, check_any>,
            &render_string<&Config::keys, &K::master_key_file>},
    KeySpec{"keys", "master_key", &apply_master_key, nullptr},
    KeySpec{"keys", "algorithms", &apply_algorithms, &render_algorithms},
    KeySpec{"keys", "jwks_max_age", &apply_duration<&Config::keys, &K::jwks_max_age, 0, kDay>,
            &render_duration<&Config::keys, &K::jwks_max_age>},
    KeySpec{"keys", "rotation_period", &apply_duration<&Config::keys, &K::rotation_period, kMinute, 365 * kDay>,
            &render_duration<&Config::keys, &K::rotation_period>},
    KeySpec{"tokens", "access_token_ttl", &apply_duration<&Config::tokens, &T::access_token_ttl, kSecond, kDay>,
            &render_duration<&Config::tokens, &T::access_token_ttl>},
    KeySpec{"tokens", "default_signing_alg", &apply_string<&Config::tokens, &T::default_signing_alg, check_algorithm>,
            &render_string<&Config::tokens, &T::default_signing_alg>},
    KeySpec{"tokens", "id_token_ttl", &apply_duration<&Config::tokens, &T::id_token_ttl, kSecond, kDay>,
            &render_duration<&Config::tokens, &T::id_token_ttl>},
    KeySpec{"tokens", "code_ttl", &apply_duration<&Config::tokens, &T::code_ttl, kSecond, 10 * kMinute>,
            &render_duration<&Config::tokens, &T::code_ttl>},
    KeySpec{"tokens", "refresh_token_ttl", &apply_duration<&Config::tokens, &T::refresh_token_ttl, kMinute, 400 * kDay>,
            &render_duration<&Config::tokens, &T::refresh_token_ttl>},
    KeySpec{"tokens", "refresh_grace", &apply_duration<&Config::tokens, &T::refresh_grace, 0, 5 * kMinute>,
            &render_duration<&Config::tokens, &T::refresh_grace>},
    KeySpec{"tokens", "refresh_token_max_lifetime",
            &apply_duration<&Config::tokens, &T::refresh_token_max_lifetime, kMinute, 3650 * kDay>,
            &render_duration<&Config::tokens, &T::refresh_token_max_lifetime>},
    KeySpec{"oauth", "require_pkce", &apply_bool<&Config::oauth, &OAuthConfig::require_pkce>,
            &render_bool<&Config::oauth, &OAuthConfig::require_pkce>},
    KeySpec{"cluster", "enabled", &apply_bool<&Config::cluster, &ClusterConfig::enabled>,
            &render_bool<&Config::cluster, &ClusterConfig::enabled>},
    KeySpec{"cluster", "node_id", &apply_string<&Config::cluster, &ClusterConfig::node_id, check_node_id>,
            &render_string<&Config::cluster, &ClusterConfig::node_id>},
    KeySpec{"cluster", "node_url", &apply_string<&Config::cluster, &ClusterConfig::node_url, check_node_url>,
            &render_string<&Config::cluster, &ClusterConfig::node_url>},
    KeySpec{"cluster", "node_ca_file", &apply_string<&Config::cluster, &ClusterConfig::node_ca_file, check_any>,
            &render_string<&Config::cluster, &ClusterConfig::node_ca_file>},
    KeySpec{"cluster", "instance_timeout_ms", &apply_integer<&Config::cluster, &ClusterConfig::instance_timeout_ms, 1000, 3'600'000>,
            &render_number<&Config::cluster, &ClusterConfig::instance_timeout_ms>},
    KeySpec{"cluster", "instance_recovery_timeout_ms",
            &apply_integer<&Config::cluster, &ClusterConfig::instance_recovery_timeout_ms, 1000, 86'400'000>,
            &render_number<&Config::cluster, &ClusterConfig::instance_recovery_timeout_ms>},
    KeySpec{"cluster", "checkin_interval_ms", &apply_integer<&Config::cluster, &ClusterConfig::checkin_interval_ms, 100, 600'000>,
            &render_number<&Config::cluster, &ClusterConfig::checkin_interval_ms>},
    KeySpec{"cluster", "checkin_offset_ms", &apply_integer<&Config::cluster, &ClusterConfig::checkin_offset_ms, 0, 600'000>,
            &render_number<&Config::cluster, &ClusterConfig::checkin_offset_ms>},
    KeySpec{"cache", "redis_url", &apply_string<&Config::cache, &CacheConfig::redis_url, check_redis_url>, &render_redis_url},
    KeySpec{"cache", "redis_timeout", &apply_duration<&Config::cache, &CacheConfig::redis_timeout, 10, 10'000>,
            &render_duration<&Config::cache, &CacheConfig::redis_timeout>},
    KeySpec{"metrics", "allow", &apply_address_list<&Config::metrics, &MetricsConfig::allow>,
            &render_string_list<&Config::metrics, &MetricsConfig::allow>},
    KeySpec{"metrics", "token", &apply_metrics_token, nullptr},
    KeySpec{"rate_limits", "window", &apply_duration<&Config::rate_limits, &RateLimitsConfig::window, kSecond, kHour>,
            &render_duration<&Config::rate_limits, &RateLimitsConfig::window>},
    KeySpec{"rate_limits", "token_per_client",
            &apply_integer<&Config::rate_limits, &RateLimitsConfig::token_per_client, 0, 1'000'000'000>,
            &render_number<&Config::rate_limits, &RateLimitsConfig::token_per_client>},
    KeySpec{"rate_limits", "token_per_ip", &apply_integer<&Config::rate_limits, &RateLimitsConfig::token_per_ip, 0, 1'000'000'000>,
            &render_number<&Config::rate_limits, &RateLimitsConfig::token_per_ip>},
    KeySpec{"rate_limits", "login_per_client",
            &apply_integer<&Config::rate_limits, &RateLimitsConfig::login_per_client, 0, 1'000'000'000>,
            &render_number<&Config::rate_limits, &RateLimitsConfig::login_per_client>},
    KeySpec{"rate_limits", "login_per_ip", &apply_integer<&Config::rate_limits, &RateLimitsConfig::login_per_ip, 0, 1'000'000'000>,
            &render_number<&Config::rate_limits, &RateLimitsConfig::login_per_ip>},
    KeySpec{"rate_limits", "authorize_per_ip",
            &apply_integer<&Config::rate_limits, &RateLimitsConfig::authorize_per_ip, 0, 1'000'000'000>,
            &render_number<&Config::rate_limits, &RateLimitsConfig::authorize_per_ip>},
    KeySpec{"rate_limits", "client_auth_failures_per_ip",
            &apply_integer<&Config::rate_limits, &RateLimitsConfig::client_auth_failures_per_ip, 0, 1'000'000'000>,
            &render_number<&Config::rate_limits, &RateLimitsConfig::client_auth_failures_per_ip>},
    KeySpec{"rate_limits", "api_key_failures_per_ip",
            &apply_integer<&Config::rate_limits, &RateLimitsConfig::api_key_failures_per_ip, 0, 1'000'000'000>,
            &render_number<&Config::rate_limits, &RateLimitsConfig::api_key_failures_per_ip>},
    KeySpec{"passwords", "memory_kib", &apply_integer<&Config::passwords, &PasswordsConfig::memory_kib, 8, 4'194'304>,
            &render_number<&Config::passwords, &PasswordsConfig::memory_kib>},
    KeySpec{"passwords", "iterations", &apply_integer<&Config::passwords, &PasswordsConfig::iterations, 1, 100>,
            &render_number<&Config::passwords, &PasswordsConfig::iterations>},
    KeySpec{"passwords", "parallelism", &apply_integer<&Config::passwords, &PasswordsConfig::parallelism, 1, 64>,
            &render_number<&Config::passwords, &PasswordsConfig::parallelism>},
    KeySpec{"passwords", "min_length", &apply_integer<&Config::passwords, &PasswordsConfig::min_length, 1, 1024>,
            &render_number<&Config::passwords, &PasswordsConfig::min_length>},
    KeySpec{"login", "lockout_threshold", &apply_integer<&Config::login, &LoginConfig::lockout_threshold, 1, 1000>,
            &render_number<&Config::login, &LoginConfig::lockout_threshold>},
    KeySpec{"login", "lockout_window", &apply_duration<&Config::login, &LoginConfig::lockout_window, kSecond, kDay>,
            &render_duration<&Config::login, &LoginConfig::lockout_window>},
    KeySpec{"login", "lockout_duration", &apply_duration<&Config::login, &LoginConfig::lockout_duration, kSecond, kDay>,
            &render_duration<&Config::login, &LoginConfig::lockout_duration>},
    KeySpec{"login", "session_idle_timeout", &apply_duration<&Config::login, &LoginConfig::session_idle_timeout, kMinute, 30 * kDay>,
            &render_duration<&Config::login, &LoginConfig::session_idle_timeout>},
    KeySpec{"login", "session_lifetime", &apply_duration<&Config::login, &LoginConfig::session_lifetime, kMinute, 400 * kDay>,
            &render_duration<&Config::login, &LoginConfig::session_lifetime>},
    KeySpec{"login", "transaction_ttl", &apply_duration<&Config::login, &LoginConfig::transaction_ttl, kMinute, kDay>,
            &render_duration<&Config::login, &LoginConfig::transaction_ttl>},
    KeySpec{"login", "session_cookie", &apply_string<&Config::login, &LoginConfig::session_cookie, check_cookie_name>,
            &render_string<&Config::login, &LoginConfig::session_cookie>},
    KeySpec{"login", "session_cookie_path", &apply_string<&Config::login, &LoginConfig::session_cookie_path, check_cookie_path>,
            &render_string<&Config::login, &LoginConfig::session_cookie_path>},
    KeySpec{"bootstrap", "kickstart", &apply_string<&Config::bootstrap, &BootstrapConfig::kickstart, check_any>,
            &render_string<&Config::bootstrap, &BootstrapConfig::kickstart>},
    KeySpec{"log", "level", &apply_string<&Config::log, &LogConfig::level, check_log_level>, &render_string<&Config::log, &LogConfig::level>},
    KeySpec{"log", "format", &apply_string<&Config::log, &LogConfig::format, check_log_format>,
            &render_string<&Config::log, &LogConfig::format>},
};

constexpr std::array<std::string_view, 13> kSections{"server",  "database",    "keys",      "tokens", "oauth",
                                                     "cluster", "cache",       "metrics",   "rate_limits", "passwords",
                                                     "login",   "bootstrap",   "log"};

bool is_section(std::string_view s) { return std::find(kSections.begin(), kSections.end(), s) != kSections.end(); }

const KeySpec* find_key(std::string_view section, std::string_view name) {
  for (const auto& k : kKeys) {
    if (k.section == section && k.name == name) return &k;
  }
  return nullptr;
}

std::string keys_of(std::string_view section) {
  std::vector<std::string> names;
  for (const auto& k : kKeys) {
    if (k.section == section) names.emplace_back(k.name);
  }
  return join(names, ", ");
}

std::string env_name(const KeySpec& k) { return std::string(kEnvPrefix) + to_upper(k.section) + "_" + to_upper(k.name); }

std::string dotted(const KeySpec& k) { return std::string(k.section) + "." + std::string(k.name); }

// ---------------------------------------------------------------------------------------------
// Loading

class Loader {
 public:
  void apply_file(const std::string& path) {
    config_.source_path = path;
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (!std::filesystem::exists(status)) {
      errors_.push_back("config file " + quote(path) + ": does not exist");
      return;
    }
    if (std::filesystem::is_directory(status)) {
      errors_.push_back("config file " + quote(path) + ": is a directory");
      return;
    }
    std::ifstream in(path, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    if (!in) {
      errors_.push_back("config file " + quote(path) + ": cannot be read (check its permissions)");
      return;
    }
    toml::table root;
    try {
      root = toml::parse(content.str(), path);
    } catch (const toml::parse_error& e) {
      const auto& where = e.source().begin;
      errors_.push_back("config file " + quote(path) + ": line " + std::to_string(where.line) + ", column " +
                        std::to_string(where.column) + ": " + std::string(e.description()));
      return;
    }
    // toml++ tables iterate in key order; visit entries in file order so messages follow the file.
    struct Entry {
      toml::source_position where;
      std::string section;
      std::string name;  // "" for the section itself
      const toml::node* node;
    };
    std::vector<Entry> entries;
    for (const auto& [section_key, section_node] : root) {
      const std::string section(section_key.str());
      entries.push_back({section_node.source().begin, section, "", &section_node});
      if (!is_section(section) || !section_node.is_table()) continue;
      for (const auto& [key, node] : *section_node.as_table()) {
        entries.push_back({node.source().begin, section, std::string(key.str()), &node});
      }
    }
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      return std::pair(a.where.line, a.where.column) < std::pair(b.where.line, b.where.column);
    });
    const std::string known_sections = "[" + join(std::vector<std::string>(kSections.begin(), kSections.end()), "], [") + "]";
    for (const auto& e : entries) {
      if (e.name.empty()) {
        if (!is_section(e.section)) {
          errors_.push_back(e.node->is_table() ? "[" + e.section + "]: unknown section; known sections are " + known_sections
                                               : e.section + ": unknown top-level key; every key belongs to a section: " + known_sections);
        } else if (!e.node->is_table()) {
          // Only the type: whatever was written in place of a section could be a pasted secret.
          errors_.push_back(e.section + ": expected a table ([" + e.section + "]), got " + type_name(*e.node));
        }
        continue;
      }
      const KeySpec* spec = find_key(e.section, e.name);
      if (!spec) {
        errors_.push_back(e.section + "." + e.name + ": unknown key; [" + e.section + "] has: " + keys_of(e.section));
        continue;
      }
      apply(*spec, Input{.node = e.node}, dotted(*spec));
    }
  }

  void apply_env(const std::map<std::string, std::string>& env) {
    for (const auto& [name, value] : env) {
      if (!name.starts_with(kEnvPrefix)) continue;
      const std::string_view rest = std::string_view(name).substr(kEnvPrefix.size());
      // A section name may itself hold an underscore (rate_limits): the longest one that prefixes
      // the variable, followed by '_', names the section.
      std::string section;
      for (const auto& s : kSections) {
        const auto upper = to_upper(s) + "_";
        if (rest.starts_with(upper) && s.size() > section.size()) section = s;
      }
      if (section.empty()) continue;  // not ours (e.g. GATEHOUSE_TEST_*)
      const auto underscore = section.size() < rest.size() ? section.size() : std::string_view::npos;
      const KeySpec* spec = nullptr;
      for (const auto& k : kKeys) {
        if (env_name(k) == name) spec = &k;
      }
      if (!spec) {
        std::string key = underscore == std::string_view::npos ? std::string() : std::string(rest.substr(underscore + 1));
        for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        errors_.push_back(name + ": unknown key " + section + "." + key + "; [" + section + "] has: " + keys_of(section) +
                          " (variables are GATEHOUSE_<SECTION>_<KEY> in upper case)");
        continue;
      }
      apply(*spec, Input{.text = &value}, dotted(*spec) + " (from " + name + ")");
    }
  }

  void check_across_keys() {
    if (!errors_.empty()) return;  // a cross-key message on top of a broken key would only add noise
    const auto& algs = config_.keys.algorithms;
    if (std::find(algs.begin(), algs.end(), config_.tokens.default_signing_alg) == algs.end()) {
      std::vector<std::string> quoted;
      for (const auto& a : algs) quoted.push_back(quote(a));
      errors_.push_back(label_of("tokens.default_signing_alg") + ": " + quote(config_.tokens.default_signing_alg) +
                        " is not one of keys.algorithms [" + join(quoted, ", ") + "]");
    }
    const auto& cl = config_.cluster;
    if (cl.enabled) {
      if (cl.node_id.empty())
        errors_.push_back(label_of("cluster.node_id") + ": is required when cluster.enabled is true (every node needs its own id)");
      if (!config_.database.is_postgres())
        errors_.push_back(label_of("cluster.enabled") +
                          ": cluster mode needs a shared PostgreSQL database (database.url \"postgresql://...\"); "
                          "SQLite serves a single node only");
    }
    if (cl.checkin_interval_ms >= cl.instance_timeout_ms)
      errors_.push_back(label_of("cluster.checkin_interval_ms") + ": must be less than cluster.instance_timeout_ms (" +
                        std::to_string(cl.instance_timeout_ms) + "), or every node would look dead between check-ins");
    if (config_.keys.master_key.empty() && config_.keys.master_key_file.empty()) {
      errors_.push_back(label_of("keys.master_key_file") +
                        ": must not be empty when keys.master_key (GATEHOUSE_KEYS_MASTER_KEY) is not set");
    }
  }

  Result<Config, std::string> finish() && {
    if (!errors_.empty()) return unexpected(join(errors_, "\n"));
    return std::move(config_);
  }

 private:
  void apply(const KeySpec& spec, const Input& in, std::string label) {
    if (auto ok = spec.apply(config_, in); !ok) {
      errors_.push_back(label + ": " + ok.error());
      return;
    }
    labels_[dotted(spec)] = std::move(label);
  }

  std::string label_of(const std::string& key) const {
    const auto it = labels_.find(key);
    return it == labels_.end() ? key : it->second;
  }

  Config config_;
  std::vector<std::string> errors_;
  std::map<std::string, std::string> labels_;  // key -> "key" or "key (from GATEHOUSE_...)" of the value in effect
};

}  // namespace

bool DatabaseConfig::is_postgres() const { return url.starts_with("postgres://") || url.starts_with("postgresql://"); }

std::string redact_url(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  const auto authority = scheme_end + 3;
  const auto at = url.find('@', authority);
  const auto slash = url.find('/', authority);
  if (at == std::string::npos || (slash != std::string::npos && at > slash)) return url;
  const auto colon = url.find(':', authority);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "<redacted>" + url.substr(at);
}

std::string DatabaseConfig::sqlite_path() const {
  if (!url.starts_with(kSqlitePrefix)) return {};
  return url.substr(kSqlitePrefix.size());
}

Result<Config, std::string> load(const std::string& path, const std::map<std::string, std::string>& env) {
  Loader loader;
  if (!path.empty()) loader.apply_file(path);
  loader.apply_env(env);
  loader.check_across_keys();
  return std::move(loader).finish();
}

std::map<std::string, std::string> environment_from_process() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    if (!entry.starts_with(kEnvPrefix)) continue;
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    out.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return out;
}

std::string render(const Config& config) {
  std::string out = "# Effective Gatehouse configuration (defaults < file < GATEHOUSE_* environment).\n";
  out += "# Source file: " + (config.source_path.empty() ? std::string("none (defaults and environment only)") : config.source_path) + "\n";
  std::string_view section;
  for (const auto& k : kKeys) {
    if (k.section != section) {
      section = k.section;
      out += "\n[" + std::string(section) + "]\n";
    }
    if (k.render) {
      out += std::string(k.name) + " = " + k.render(config) + "\n";
    } else if (k.section == "metrics") {
      out += config.metrics.token.empty() ? "# token is not set: only metrics.allow may read /metrics\n"
                                          : "# token = \"<redacted>\"  (set)\n";
    } else if (!config.keys.master_key.empty()) {
      // Written as a comment so the output still loads; the value itself never leaves the process.
      out += "# " + std::string(k.name) + " = \"<redacted>\"  (set; it takes precedence over master_key_file)\n";
    } else {
      out += "# " + std::string(k.name) + " is not set: the master key is read from master_key_file\n";
    }
  }
  return out;
}

}  // namespace gatehouse::app::config
