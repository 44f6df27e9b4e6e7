#include "app/config/identity_sources.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <set>
#include <sstream>

#include "app/config/validators.hpp"

namespace gatehouse::app::config {
namespace {

constexpr std::int64_t kSecond = 1000;

bool one_of(std::string_view v, std::initializer_list<std::string_view> allowed) {
  return std::find(allowed.begin(), allowed.end(), v) != allowed.end();
}

Check check_source_name(std::string& v) {
  const bool ok = !v.empty() && v.size() <= 32 && std::all_of(v.begin(), v.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  if (!ok) return unexpected("must be 1 to 32 characters of a-z, 0-9, '_' and '-', got " + quote(v));
  if (v == "local") return unexpected(std::string("\"local\" names the built-in accounts; choose another name"));
  return {};
}

Check check_source_type(std::string& v) {
  if (!one_of(v, {"ldap", "active_directory"})) return unexpected("must be \"ldap\" or \"active_directory\", got " + quote(v));
  return {};
}

Check check_scope(std::string& v) {
  if (!one_of(v, {"sub", "one"})) return unexpected("must be \"sub\" (the whole subtree) or \"one\" (one level), got " + quote(v));
  return {};
}

Check check_groups(std::string& v) {
  if (!one_of(v, {"", "member_of", "search", "none"})) return unexpected("must be \"member_of\", \"search\" or \"none\", got " + quote(v));
  return {};
}

/// ldap://host[:port] or ldaps://host[:port], an optional '/' and nothing else (one server: no
/// DN, attributes or filter in the URL, no user name). The scheme is written in lower case.
Check check_ldap_url(std::string& v) {
  const auto scheme_end = v.find("://");
  std::string scheme = scheme_end == std::string::npos ? "" : v.substr(0, scheme_end);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme != "ldap" && scheme != "ldaps") return unexpected("expected ldap://host[:port] or ldaps://host[:port], got " + quote(v));
  std::string rest = v.substr(scheme_end + 3);
  if (rest.ends_with('/')) rest.pop_back();
  if (rest.empty() || rest.find_first_of("/?@ \t") != std::string::npos)
    return unexpected("expected ldap://host[:port] or ldaps://host[:port] (one server, nothing after it), got " + quote(v));
  const auto colon = rest.rfind(':');
  if (colon != std::string::npos && rest.find(']', colon) == std::string::npos) {
    const auto port = rest.substr(colon + 1);
    if (port.empty() || port.size() > 5 || !all_digits(port) || std::stoi(port) < 1 || std::stoi(port) > 65535)
      return unexpected("the port of " + quote(v) + " must be 1 to 65535");
    if (colon == 0) return unexpected("expected a host before the port in " + quote(v));
  }
  v = scheme + "://" + rest;
  return {};
}

Check check_ldap_urls(std::vector<std::string>& list) {
  if (list.empty()) return unexpected(std::string("must name at least one server"));
  if (list.size() > 16) return unexpected(std::string("at most 16 servers"));
  for (auto& url : list) {
    if (auto ok = check_ldap_url(url); !ok) return ok;
  }
  return {};
}

/// A search filter in parentheses with balanced parentheses (RFC 4515; a literal parenthesis in a
/// value is written \28 or \29, so every parenthesis here is structure).
Check check_filter(std::string& v) {
  if (v.empty()) return {};
  if (v.size() > 1024 || v.front() != '(' || v.back() != ')')
    return unexpected("must be an LDAP filter in parentheses of at most 1024 characters, got " + quote(v));
  int depth = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    depth += v[i] == '(' ? 1 : v[i] == ')' ? -1 : 0;
    if (v[i] == '\0' || depth < 0 || (depth == 0 && i + 1 < v.size()))
      return unexpected("has unbalanced parentheses (or two filters side by side): " + quote(v));
  }
  if (depth != 0) return unexpected("has unbalanced parentheses: " + quote(v));
  return {};
}

/// An attribute description: a name or OID, with options ("memberOf", "1.2.840.113556.1.4.2").
Check check_attribute(std::string& v) {
  const bool ok = v.size() <= 128 && std::all_of(v.begin(), v.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == ';'; });
  if (!ok) return unexpected("must be an attribute name (letters, digits, '-', '.', ';'), got " + quote(v));
  return {};
}

Check check_dn(std::string& v) {
  if (v.size() > 1024 || v.find('\0') != std::string::npos) return unexpected(std::string("must be a DN of at most 1024 characters"));
  return {};
}

Check check_bind_password(std::string& v) {
  if (v.size() > 1024 || v.find('\0') != std::string::npos)
    return unexpected(std::string("must be at most 1024 characters without NUL (value not shown)"));
  return {};
}

#define GH_SOURCE(k, ...) \
  {{.section = kSourcesTable, .name = #k, __VA_ARGS__}, [](IdentitySourceConfig& s) -> FieldRef { return &s.k; }}

// The order here is the order of render() and of docs/CONFIG.md.
const SourceKey kSourceKeys[] = {
    GH_SOURCE(name, .check = check_source_name),
    GH_SOURCE(type, .check = check_source_type),
    GH_SOURCE(urls, .check_list = check_ldap_urls),
    GH_SOURCE(start_tls),
    GH_SOURCE(allow_plaintext),
    GH_SOURCE(ca_file),
    GH_SOURCE(bind_dn, .check = check_dn),
    GH_SOURCE(bind_password, .check = check_bind_password, .if_set = "it takes precedence over bind_password_file",
              .if_unset = "read from bind_password_file, if any"),
    GH_SOURCE(bind_password_file, .node_local = true),
    GH_SOURCE(user_base, .check = check_dn),
    GH_SOURCE(user_scope, .check = check_scope),
    GH_SOURCE(user_filter, .check = check_filter),
    GH_SOURCE(dn_template, .check = check_dn),
    GH_SOURCE(id_attribute, .check = check_attribute),
    GH_SOURCE(username_attribute, .check = check_attribute),
    GH_SOURCE(trust_email),
    GH_SOURCE(groups, .check = check_groups),
    GH_SOURCE(group_base, .check = check_dn),
    GH_SOURCE(group_filter, .check = check_filter),
    GH_SOURCE(max_groups, .min = 1, .max = 5000),
    GH_SOURCE(connect_timeout, .min = 100, .max = 30 * kSecond),
    GH_SOURCE(timeout, .min = 100, .max = 60 * kSecond),
    GH_SOURCE(pool_size, .min = 1, .max = 256),
    GH_SOURCE(pool_wait, .min = 0, .max = 30 * kSecond),
    GH_SOURCE(retry_after, .min = kSecond, .max = 3600 * kSecond),
};

#undef GH_SOURCE

/// The claims an attribute may fill: the profile of a local account (user::User).
constexpr std::array<std::string_view, 9> kClaims = {"email", "name", "given_name", "family_name", "middle_name",
                                                     "nickname", "picture", "locale", "phone_number"};

struct TypeDefaults {
  std::string_view user_filter, id_attribute, username_attribute, groups, group_filter;
  std::map<std::string, std::string> attributes;
};

TypeDefaults defaults_of(std::string_view type) {
  if (type == "active_directory")
    return {"(&(objectCategory=person)(objectClass=user)(|(sAMAccountName={user})(userPrincipalName={user})))",
            "objectGUID", "sAMAccountName", "member_of", "(&(objectClass=group)(member={dn}))",
            {{"email", "mail"}, {"name", "displayName"}, {"given_name", "givenName"}, {"family_name", "sn"}}};
  return {"(uid={user})", "entryUUID", "uid", "search", "(&(objectClass=groupOfNames)(member={dn}))",
          {{"email", "mail"}, {"name", "cn"}, {"given_name", "givenName"}, {"family_name", "sn"}}};
}

void fill(std::string& field, std::string_view value) {
  if (field.empty()) field = value;
}

/// The password file's content without its final line break. @returns the problem.
std::optional<std::string> read_password_file(IdentitySourceConfig& s) {
  std::ifstream in(s.bind_password_file, std::ios::binary);
  if (!in) return "bind_password_file " + quote(s.bind_password_file) + " cannot be read (does it exist? its permissions?)";
  std::stringstream content;
  content << in.rdbuf();
  std::string text = content.str();
  if (text.ends_with('\n')) text.pop_back();
  if (text.ends_with('\r')) text.pop_back();
  if (auto ok = check_bind_password(text); !ok || text.empty()) {
    wipe(text);
    return "bind_password_file " + quote(s.bind_password_file) + ": must hold the password (at most 1024 characters, no NUL)";
  }
  s.bind_password = DirectoryPassword(std::move(text));
  return std::nullopt;
}

/// The rules across one entry's keys. @returns the problems, each without the entry's label.
std::vector<std::string> check_source(IdentitySourceConfig& s) {
  std::vector<std::string> problems;
  if (s.name.empty()) problems.push_back("name: is required (it is stored on every account the source signs in)");
  if (s.urls.empty()) problems.push_back("urls: is required (ldaps://host:636, one or more)");
  for (const auto& url : s.urls) {
    if (url.starts_with("ldap://") && !s.start_tls && !s.allow_plaintext)
      problems.push_back("urls: " + quote(url) + " would send passwords in clear: use ldaps://, set start_tls = true, "
                         "or allow_plaintext = true for a network you trust");
  }
  if (s.start_tls && std::none_of(s.urls.begin(), s.urls.end(), [](const std::string& u) { return u.starts_with("ldap://"); }))
    problems.push_back("start_tls: every URL is ldaps:// (TLS already); start_tls applies to ldap:// URLs only");
  if (s.bind_dn.empty() == s.dn_template.empty())
    problems.push_back("bind_dn / dn_template: set exactly one: bind_dn (a service account searches for the user) or "
                       "dn_template (a direct bind as \"uid={user},ou=people,...\")");
  if (!s.dn_template.empty() && s.dn_template.find("{user}") == std::string::npos)
    problems.push_back("dn_template: must contain {user}, got " + quote(s.dn_template));
  if (!s.bind_dn.empty()) {
    if (s.bind_password.empty() && !s.bind_password_file.empty()) {
      if (auto problem = read_password_file(s)) problems.push_back(*problem);
    }
    if (s.bind_password.empty() && s.bind_password_file.empty())
      problems.push_back("bind_password: the service account bind_dn needs bind_password_file (or bind_password, or "
                         "GATEHOUSE_IDENTITY_SOURCES_<NAME>_BIND_PASSWORD)");
    if (s.user_base.empty()) problems.push_back("user_base: is required with bind_dn (where users are searched)");
  }
  if (s.user_filter.find("{user}") == std::string::npos) problems.push_back("user_filter: must contain {user}, got " + quote(s.user_filter));
  if (s.groups == "search") {
    if (s.group_base.empty()) problems.push_back("group_base: is required with groups = \"search\" (without user_base to default to)");
    if (s.group_filter.find("{dn}") == std::string::npos) problems.push_back("group_filter: must contain {dn}, got " + quote(s.group_filter));
  }
  if (!s.ca_file.empty() && !std::ifstream(s.ca_file)) problems.push_back("ca_file: " + quote(s.ca_file) + " cannot be read");
  return problems;
}

}  // namespace

std::span<const SourceKey> source_keys() { return kSourceKeys; }

const SourceKey* find_source_key(std::string_view name) {
  for (const auto& k : kSourceKeys) {
    if (k.key.name == name) return &k;
  }
  return nullptr;
}

std::string source_key_names() {
  std::vector<std::string> names;
  for (const auto& k : kSourceKeys) names.emplace_back(k.key.name);
  names.emplace_back("[" + std::string(kSourcesTable) + "." + std::string(kSourceAttributes) + "]");
  return join(names, ", ");
}

Check apply_source_attribute(IdentitySourceConfig& source, const std::string& claim, const Value& in) {
  if (std::find(kClaims.begin(), kClaims.end(), claim) == kClaims.end()) {
    std::vector<std::string> names(kClaims.begin(), kClaims.end());
    return unexpected("is not a claim a directory attribute can fill; these are: " + join(names, ", "));
  }
  auto v = read_string(in);
  if (!v) return unexpected(v.error());
  if (v->empty()) return unexpected(std::string("must name an attribute"));
  if (auto ok = check_attribute(*v); !ok) return ok;
  source.attributes[claim] = std::move(*v);
  return {};
}

std::string source_label(std::size_t index) { return std::string(kSourcesTable) + "[" + std::to_string(index + 1) + "]"; }

std::vector<std::string> complete_sources(std::vector<IdentitySourceConfig>& sources) {
  std::vector<std::string> errors;
  std::set<std::string> names;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    auto& s = sources[i];
    const auto d = defaults_of(s.type);
    fill(s.user_filter, d.user_filter);
    fill(s.id_attribute, d.id_attribute);
    fill(s.username_attribute, d.username_attribute);
    fill(s.groups, d.groups);
    fill(s.group_filter, d.group_filter);
    if (s.groups == "search") fill(s.group_base, s.user_base);
    if (s.attributes.empty()) s.attributes = d.attributes;
    for (const auto& problem : check_source(s)) errors.push_back(source_label(i) + "." + problem);
    // Names differ, also as GATEHOUSE_IDENTITY_SOURCES_<NAME>_BIND_PASSWORD spells them ('-' as '_').
    std::string env_name = s.name;
    std::replace(env_name.begin(), env_name.end(), '-', '_');
    if (!s.name.empty() && !names.insert(env_name).second)
      errors.push_back(source_label(i) + ".name: " + quote(s.name) + " is the name of an earlier source too (with '-' read as '_'); names must differ");
  }
  return errors;
}

std::string render_sources(const std::vector<IdentitySourceConfig>& sources, bool cluster_wide_only) {
  std::string out;
  for (const auto& source : sources) {
    auto& s = const_cast<IdentitySourceConfig&>(source);  // only read: one accessor serves apply and render
    out += "\n[[" + std::string(kSourcesTable) + "]]\n";
    for (const auto& k : kSourceKeys) {
      if (cluster_wide_only && k.key.node_local) continue;
      out += render_field(k.key, k.field(s)) + "\n";
    }
    out += "[" + std::string(kSourcesTable) + "." + std::string(kSourceAttributes) + "]\n";
    for (const auto& [claim, attribute] : s.attributes) out += claim + " = " + toml_string(attribute) + "\n";
  }
  return out;
}

}  // namespace gatehouse::app::config
