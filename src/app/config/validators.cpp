#include "app/config/validators.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string_view>

#include <boost/url/parse.hpp>

#include "core/base64url.hpp"
#include "core/utf8.hpp"
#include "http/address.hpp"

namespace gatehouse::app::config {
namespace {

constexpr std::string_view kSqlitePrefix = "sqlite:";

bool is_name_char(char c, std::string_view extra) {
  return std::isalnum(static_cast<unsigned char>(c)) || extra.find(c) != std::string_view::npos;
}

bool all_name_chars(std::string_view s, std::string_view extra) {
  return std::all_of(s.begin(), s.end(), [extra](char c) { return is_name_char(c, extra); });
}

bool valid_port(std::string_view s) {
  if (s.empty() || s.size() > 5 || !all_digits(s)) return false;
  return std::stoi(std::string(s)) <= 65535;
}

// An IPv6 address as text (no brackets); an optional zone ("fe80::1%eth0") is accepted.
bool valid_ipv6(std::string_view s) {
  const auto percent = s.find('%');
  if (percent != std::string_view::npos) {
    const auto zone = s.substr(percent + 1);
    if (zone.empty() || !all_name_chars(zone, "_-.")) return false;
    s = s.substr(0, percent);
  }
  // IpAddress also reads IPv4 and brackets: an IPv6 text has a ':' and no '['.
  return s.find(':') != std::string_view::npos && s.find('[') == std::string_view::npos && http::IpAddress::parse(s);
}

// An IPv4 address in dotted-quad form, or a DNS name (RFC 1123 labels).
bool valid_host_name_or_ipv4(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  const bool looks_numeric = std::all_of(host.begin(), host.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
  if (looks_numeric) return http::IpAddress::parse(host).has_value();
  std::string_view rest = host;
  if (rest.back() == '.') rest.remove_suffix(1);  // a fully qualified name
  while (true) {
    const auto dot = rest.find('.');
    const auto label = rest.substr(0, dot);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    if (!all_name_chars(label, "-")) return false;
    if (dot == std::string_view::npos) return true;
    rest.remove_prefix(dot + 1);
  }
}

// "host:port", "[v6]:port". Returns a reason ("" = the generic one), or nothing when valid.
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

// The authority of the issuer: host[:port] or [v6][:port]; the port, if any, 1-65535.
Check check_issuer_authority(std::string_view authority, const std::string& shown) {
  if (authority.empty()) return unexpected("has no host: " + shown);
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
  return {};
}

// RFC 3986 path characters: unreserved, sub-delims, ':', '@', '/', and well-formed %XX.
Check check_issuer_path(std::string_view path, const std::string& shown) {
  for (std::size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '%') {
      if (i + 2 >= path.size() || !std::isxdigit(static_cast<unsigned char>(path[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(path[i + 2]))) {
        return unexpected("has an invalid percent-encoding in its path: " + shown);
      }
      continue;
    }
    if (!is_name_char(c, "-._~!$&'()*+,;=/:@")) {
      return unexpected("has a character that must be percent-encoded in its path: " + shown);
    }
  }
  return {};
}

constexpr std::array<std::string_view, 2> kAlgorithms{"RS256", "ES256"};

std::string label_of(const std::map<std::string, std::string>& labels, const std::string& key) {
  const auto it = labels.find(key);
  return it == labels.end() ? key : it->second;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Addresses and URLs

Check check_listen(std::string& v) {
  if (auto problem = host_port_problem(v)) {
    std::string msg = "expected \"host:port\", got " + quote(v);
    msg += problem->empty() ? std::string(" (host: IPv4, [IPv6] or a name; port: 0-65535)") : ": " + *problem;
    return unexpected(msg);
  }
  return {};
}

// http is allowed for local development and behind TLS termination. Removes trailing '/' so
// "<issuer>/.well-known/..." is well formed.
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
  if (auto ok = check_issuer_authority(authority, shown); !ok) return ok;
  if (auto ok = check_issuer_path(path, shown); !ok) return ok;
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
  const std::string scheme = colon == std::string::npos ? std::string() : v.substr(0, colon);
  const bool scheme_ok = !scheme.empty() && all_name_chars(scheme, "+-.");
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
  const bool db_ok = path.empty() || path == "/" || (path.size() <= 4 && all_digits(std::string_view(path).substr(1)));
  if (!parsed || parsed->scheme() != "redis" || !parsed->has_authority() || parsed->encoded_host().empty() ||
      parsed->has_query() || parsed->has_fragment() || !db_ok)
    return unexpected("expected a Redis URL such as \"redis://127.0.0.1:6379/0\" or \"redis://:PASSWORD@cache.internal:6379\" "
                      "(the value is not shown because it may contain a password)");
  return {};
}

Check check_forwarded_header(std::string& v) {
  if (!http::parse_forwarded_header(v)) return unexpected("expected \"x-forwarded-for\" or \"forwarded\"; got " + quote(v));
  return {};
}

Check check_address_list(std::vector<std::string>& list) {
  if (auto parsed = http::AddressList::parse(list); !parsed) return unexpected(parsed.error());
  return {};
}

// ---------------------------------------------------------------------------------------------
// Names and enumerations

Check check_node_id(std::string& v) {
  if (v.empty()) return {};  // required only in cluster mode (checked across keys)
  if (v.size() > 64 || !all_name_chars(v, "._-")) return unexpected("must be 1-64 letters, digits, '.', '_' or '-', got " + quote(v));
  return {};
}

Check check_algorithm(std::string& v) {
  if (std::find(kAlgorithms.begin(), kAlgorithms.end(), v) == kAlgorithms.end()) {
    return unexpected("expected \"RS256\" or \"ES256\", got " + quote(v));
  }
  return {};
}

Check check_algorithms(std::vector<std::string>& list) {
  if (list.empty()) return unexpected("must list at least one algorithm (RS256 is required)");
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (auto ok = check_algorithm(list[i]); !ok) return unexpected("element " + std::to_string(i + 1) + ": " + ok.error());
    const auto before = list.begin() + static_cast<std::ptrdiff_t>(i);
    if (std::find(list.begin(), before, list[i]) != before) return unexpected("lists " + quote(list[i]) + " twice");
  }
  // OpenID Connect Core 1.0 §15.1: RS256 must be supported for ID Tokens.
  if (std::find(list.begin(), list.end(), "RS256") == list.end()) {
    return unexpected("must contain \"RS256\" (OpenID Connect Core 1.0 §15.1 requires it)");
  }
  return {};
}

Check check_cookie_name(std::string& v) {
  if (v.empty() || v.size() > 64 || !all_name_chars(v, "_-")) return unexpected(std::string("must be 1 to 64 letters, digits, '_' or '-'"));
  return {};
}

Check check_cookie_path(std::string& v) {
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

Check check_mfa_policy(std::string& v) {
  if (v != "off" && v != "optional" && v != "required")
    return unexpected("expected \"off\", \"optional\" or \"required\"; got " + quote(v));
  return {};
}

Check check_mfa_issuer(std::string& v) {
  // The otpauth URI's issuer and label prefix (Key Uri Format): ':' separates it from the account.
  std::size_t chars = 0;
  for (unsigned char c : v) chars += (c & 0xC0) != 0x80 ? 1 : 0;
  if (!is_utf8_text(v) || chars > 64 ||
      std::any_of(v.begin(), v.end(), [](char c) { return c == ':' || (c >= 0 && c < 0x20) || c == 0x7f; }))
    return unexpected(std::string("must be empty (the host of server.public_url) or at most 64 characters of text "
                                  "without ':' or control characters"));
  return {};
}

Check check_saml_entity_id(std::string& v) {
  // SAML core §8.3.6: a URI of at most 1024 characters; an absolute one (a URL or a URN).
  const auto colon = v.find(':');
  const bool scheme = colon != std::string::npos && colon > 0 &&
                      std::all_of(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
                        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
                      });
  if (!v.empty() && (v.size() > 1024 || !scheme || std::any_of(v.begin(), v.end(), [](char c) {
                       return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
                     })))
    return unexpected(std::string("must be empty (server.public_url + /saml/metadata) or an absolute URI of at most "
                                  "1024 characters without spaces"));
  return {};
}

Check check_user_verification(std::string& v) {
  if (v != "preferred" && v != "required" && v != "discouraged")
    return unexpected("expected \"preferred\", \"required\" or \"discouraged\"; got " + quote(v));
  return {};
}

Check check_rp_id(std::string& v) {
  if (v.empty()) return {};  // the host of server.public_url
  const bool ok = v.size() <= 253 && v.front() != '.' && v.back() != '.' && v.find("..") == std::string::npos &&
                  std::all_of(v.begin(), v.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'; });
  if (!ok) return unexpected("must be empty (the host of server.public_url) or a lower-case host name such as \"example.com\", got " + quote(v));
  return {};
}

Check check_origins(std::vector<std::string>& list) {
  for (auto& origin : list) {
    auto checked = origin;
    if (auto ok = check_public_url(checked); !ok) return unexpected("origin " + ok.error());
    const auto authority_at = checked.find("://") + 3;
    if (checked.find('/', authority_at) != std::string::npos)
      return unexpected("an origin is scheme://host[:port] without a path, got " + quote(origin));
    // Browsers write the scheme and host in lower case.
    std::transform(checked.begin(), checked.end(), checked.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    origin = std::move(checked);
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// Secrets: never echo any part of the value.

Check check_master_key(std::string& v) {
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

Check check_metrics_token(std::string& v) {
  if (!v.empty() && (v.size() < 16 || v.size() > 512 || !std::all_of(v.begin(), v.end(), [](char ch) { return ch > 0x20 && ch < 0x7f; })))
    return unexpected(std::string("must be 16 to 512 printable characters without spaces (value not shown)"));
  return {};
}

// ---------------------------------------------------------------------------------------------
// Across keys

namespace {

/// The origin "scheme://host[:port]" of a checked URL, in lower case as browsers serialise it
/// ("https://Login.Example.com/x" -> "https://login.example.com").
std::string origin_of(std::string_view url) {
  const auto authority_at = url.find("://") + 3;
  std::string out(url.substr(0, url.find('/', authority_at)));
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string origin_host(std::string_view origin) {
  auto authority = origin.substr(origin.find("://") + 3);
  std::string host(authority.front() == '[' ? authority.substr(0, authority.find(']') + 1) : authority.substr(0, authority.find(':')));
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return host;
}

}  // namespace

std::string effective_rp_id(const Config& config) {
  return config.webauthn.rp_id.empty() ? origin_host(origin_of(config.server.public_url)) : config.webauthn.rp_id;
}

std::vector<std::string> effective_origins(const Config& config) {
  if (!config.webauthn.origins.empty()) return config.webauthn.origins;
  return {origin_of(config.server.public_url)};
}

std::vector<std::string> check_across_keys(const Config& config, const std::map<std::string, std::string>& labels) {
  std::vector<std::string> errors;
  const auto& algs = config.keys.algorithms;
  if (std::find(algs.begin(), algs.end(), config.tokens.default_signing_alg) == algs.end()) {
    std::vector<std::string> quoted;
    for (const auto& a : algs) quoted.push_back(quote(a));
    errors.push_back(label_of(labels, "tokens.default_signing_alg") + ": " + quote(config.tokens.default_signing_alg) +
                     " is not one of keys.algorithms [" + join(quoted, ", ") + "]");
  }
  const auto& cl = config.cluster;
  if (cl.enabled) {
    if (cl.node_id.empty())
      errors.push_back(label_of(labels, "cluster.node_id") + ": is required when cluster.enabled is true (every node needs its own id)");
    if (!config.database.is_postgres())
      errors.push_back(label_of(labels, "cluster.enabled") +
                       ": cluster mode needs a shared PostgreSQL database (database.url \"postgresql://...\"); "
                       "SQLite serves a single node only");
  }
  if (cl.checkin_interval_ms >= cl.instance_timeout_ms)
    errors.push_back(label_of(labels, "cluster.checkin_interval_ms") + ": must be less than cluster.instance_timeout_ms (" +
                     std::to_string(cl.instance_timeout_ms) + "), or every node would look dead between check-ins");
  if (config.keys.master_key.empty() && config.keys.master_key_file.empty()) {
    errors.push_back(label_of(labels, "keys.master_key_file") +
                     ": must not be empty when keys.master_key (GATEHOUSE_KEYS_MASTER_KEY) is not set");
  }
  const auto rp_id = effective_rp_id(config);
  for (const auto& origin : effective_origins(config)) {
    const auto host = origin_host(origin);
    if (host != rp_id && !(host.size() > rp_id.size() && host.ends_with("." + rp_id)))
      errors.push_back(label_of(labels, "webauthn.rp_id") + ": " + quote(rp_id) + " is not the host of the origin " + quote(origin) +
                       " nor a domain it belongs to (browsers would refuse every passkey)");
  }
  const auto& sc = config.server;
  if (sc.tls_cert_file.empty() != sc.tls_key_file.empty()) {
    errors.push_back(label_of(labels, sc.tls_cert_file.empty() ? "server.tls_key_file" : "server.tls_cert_file") +
                     ": server.tls_cert_file and server.tls_key_file go together: set both for TLS, or neither");
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------
// DatabaseConfig

bool DatabaseConfig::is_postgres() const {
  const auto& u = url.reveal();
  return u.starts_with("postgres://") || u.starts_with("postgresql://");
}

std::string DatabaseConfig::sqlite_path() const {
  const auto& u = url.reveal();
  if (!u.starts_with(kSqlitePrefix)) return {};
  return u.substr(kSqlitePrefix.size());
}

}  // namespace gatehouse::app::config
