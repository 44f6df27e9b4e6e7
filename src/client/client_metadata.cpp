#include "client/client_metadata.hpp"

#include <algorithm>
#include <array>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "client/client_keys.hpp"

namespace gatehouse::client {
namespace {

namespace json = boost::json;

// The read-only members the API returns (client_id_issued_at, client_secret_expires_at, updated_at)
// are accepted and ignored, so a document read with GET can be edited and sent back with PUT.
constexpr std::array<std::string_view, 16> kKnownMembers{
    "client_id", "client_secret", "client_name", "grant_types", "token_endpoint_auth_method", "scope",
    "redirect_uris", "post_logout_redirect_uris", "access_token_signed_response_alg", "access_token_audience",
    "id_token_signed_response_alg", "client_id_issued_at", "client_secret_expires_at", "updated_at", "jwks",
    "jwks_uri"};
constexpr std::array<std::string_view, 3> kGrantTypes{"client_credentials", "authorization_code", "refresh_token"};
constexpr std::array<std::string_view, 4> kAuthMethods{"client_secret_basic", "client_secret_post", "private_key_jwt",
                                                       "none"};
constexpr std::size_t kMaxClientIdLength = 128;
constexpr std::size_t kMaxSecretLength = 512;
constexpr std::size_t kMaxNameLength = 200;
constexpr std::size_t kMaxListItems = 100;
// Bounds on a scope string keep its (quadratic) de-duplication cheap on hostile input.
constexpr std::size_t kMaxScopes = 100;
constexpr std::size_t kMaxScopeLength = 4096;

Unexpected<MetadataError> fail(std::string field, std::string message, std::string code = "invalid_client_metadata") {
  return unexpected(MetadataError{std::move(code), std::move(field), std::move(message)});
}

template <std::size_t N>
bool one_of(std::string_view v, const std::array<std::string_view, N>& set) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

bool valid_client_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxClientIdLength || id == "." || id == "..") return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
  });
}

bool printable_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

/// Reads an optional array of strings. @returns an error message, or "" when fine.
std::string read_string_list(const json::object& doc, std::string_view name, std::vector<std::string>& out) {
  auto it = doc.find(name);
  if (it == doc.end() || it->value().is_null()) return "";
  if (!it->value().is_array()) return "must be an array of strings";
  const auto& arr = it->value().get_array();
  if (arr.size() > kMaxListItems) return "has too many entries";
  out.clear();
  for (const auto& v : arr) {
    if (!v.is_string()) return "must be an array of strings";
    std::string s(v.get_string());
    if (s.empty()) return "must not contain empty strings";
    if (std::find(out.begin(), out.end(), s) != out.end()) return "contains '" + s + "' twice";
    out.push_back(std::move(s));
  }
  return "";
}

/// Reads an optional string member. @returns an error message, or "" when fine.
std::string read_string(const json::object& doc, std::string_view name, std::optional<std::string>& out) {
  auto it = doc.find(name);
  if (it == doc.end() || it->value().is_null()) return "";
  if (!it->value().is_string()) return "must be a string";
  out = std::string(it->value().get_string());
  return "";
}

}  // namespace

bool valid_scope_token(std::string_view token) {
  if (token.empty()) return false;
  return std::all_of(token.begin(), token.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u == 0x21 || (u >= 0x23 && u <= 0x5B) || (u >= 0x5D && u <= 0x7E);
  });
}

std::optional<std::vector<std::string>> split_scope(std::string_view scope) {
  std::vector<std::string> out;
  if (scope.empty()) return out;
  if (scope.size() > kMaxScopeLength) return std::nullopt;
  std::size_t start = 0;
  while (true) {
    auto end = scope.find(' ', start);
    auto token = scope.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (!valid_scope_token(token)) return std::nullopt;
    if (std::find(out.begin(), out.end(), token) == out.end()) {
      if (out.size() == kMaxScopes) return std::nullopt;
      out.emplace_back(token);
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

std::string join_scope(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

bool has_grant(const Client& client, std::string_view grant_type) {
  return std::find(client.grant_types.begin(), client.grant_types.end(), grant_type) != client.grant_types.end();
}

Result<ClientDraft, MetadataError> parse_metadata(const json::object& doc, const MetadataDefaults& defaults) {
  for (const auto& member : doc)
    if (!one_of(member.key(), kKnownMembers))
      return fail(std::string(member.key()), "is not a supported client metadata member");

  ClientDraft draft;
  Client& c = draft.client;
  std::optional<std::string> s;
  std::string err;

  if (!(err = read_string(doc, "client_id", s)).empty()) return fail("client_id", err);
  if (s) {
    if (!valid_client_id(*s))
      return fail("client_id", "must be 1 to 128 characters of A-Z a-z 0-9 - . _ ~ (not . or ..)");
    c.client_id = *s;
  }
  s.reset();
  if (!(err = read_string(doc, "client_secret", s)).empty()) return fail("client_secret", err);
  if (s) {
    if (s->size() < kMinSecretLength || s->size() > kMaxSecretLength || !printable_ascii(*s))
      return fail("client_secret", "must be 16 to 512 printable ASCII characters");
    draft.secret = std::move(s);
  }
  s.reset();
  if (!(err = read_string(doc, "client_name", s)).empty()) return fail("client_name", err);
  if (s) {
    if (s->size() > kMaxNameLength) return fail("client_name", "must be at most 200 characters");
    c.client_name = *s;
  }

  c.grant_types = {"client_credentials"};
  if (!(err = read_string_list(doc, "grant_types", c.grant_types)).empty()) return fail("grant_types", err);
  if (c.grant_types.empty()) return fail("grant_types", "must not be empty");
  for (const auto& g : c.grant_types)
    if (!one_of(g, kGrantTypes))
      return fail("grant_types", "'" + g + "' is not supported (supported: client_credentials, authorization_code, refresh_token)");

  s.reset();
  if (!(err = read_string(doc, "token_endpoint_auth_method", s)).empty()) return fail("token_endpoint_auth_method", err);
  c.token_endpoint_auth_method = s.value_or("client_secret_basic");
  if (!one_of(c.token_endpoint_auth_method, kAuthMethods))
    return fail("token_endpoint_auth_method",
                "must be client_secret_basic, client_secret_post, private_key_jwt or none");
  if (c.token_endpoint_auth_method == "none") {
    if (has_grant(c, "client_credentials"))
      return fail("token_endpoint_auth_method", "a public client (none) cannot use client_credentials");
    if (draft.secret) return fail("client_secret", "a public client (none) has no secret");
  }
  if (doc.contains("jwks_uri"))
    return fail("jwks_uri", "is not supported: register the public keys inline in jwks");
  if (auto it = doc.find("jwks"); it != doc.end() && !it->value().is_null()) {
    if (c.token_endpoint_auth_method != "private_key_jwt")
      return fail("jwks", "is only used with token_endpoint_auth_method private_key_jwt");
    auto normalized = normalize_jwks(it->value());
    if (!normalized) return fail("jwks", normalized.error());
    c.jwks = std::move(*normalized);
  }
  if (c.token_endpoint_auth_method == "private_key_jwt") {
    if (c.jwks.empty()) return fail("jwks", "is required with private_key_jwt: the client's public keys as a JWK Set");
    if (draft.secret) return fail("client_secret", "a private_key_jwt client has no secret");
  }

  s.reset();
  if (!(err = read_string(doc, "scope", s)).empty()) return fail("scope", err);
  if (s) {
    auto scopes = split_scope(*s);
    if (!scopes) return fail("scope", "must be scope tokens separated by single spaces (RFC 6749 section 3.3)");
    c.scopes = std::move(*scopes);
  }

  for (auto [name, list] : {std::pair{"redirect_uris", &c.redirect_uris},
                            std::pair{"post_logout_redirect_uris", &c.post_logout_redirect_uris}}) {
    if (!(err = read_string_list(doc, name, *list)).empty()) return fail(name, err);
    for (const auto& uri : *list) {
      auto parsed = boost::urls::parse_absolute_uri(uri);
      if (!parsed) return fail(name, "'" + uri + "' is not an absolute URI", "invalid_redirect_uri");
      if (parsed->has_fragment()) return fail(name, "'" + uri + "' must not contain a fragment", "invalid_redirect_uri");
      auto scheme = parsed->scheme();
      if ((scheme == "http" || scheme == "https") && parsed->host().empty())
        return fail(name, "'" + uri + "' has no host", "invalid_redirect_uri");
    }
  }
  if (has_grant(c, "authorization_code") && c.redirect_uris.empty())
    return fail("redirect_uris", "the authorization_code grant needs at least one redirect URI", "invalid_redirect_uri");

  // Each signing algorithm must be one this server has keys for.
  auto read_alg = [&](const std::string& name, std::string fallback, std::string& out) -> std::string {
    std::optional<std::string> v;
    if (auto e = read_string(doc, name, v); !e.empty()) return e;
    out = v.value_or(std::move(fallback));
    if (std::find(defaults.allowed_algs.begin(), defaults.allowed_algs.end(), out) != defaults.allowed_algs.end()) return {};
    std::string allowed;
    for (const auto& a : defaults.allowed_algs) allowed += (allowed.empty() ? "" : ", ") + a;
    return "must be one of: " + allowed;
  };
  if (!(err = read_alg("access_token_signed_response_alg", defaults.signing_alg, c.access_token_signed_response_alg)).empty())
    return fail("access_token_signed_response_alg", err);
  // ID tokens default to RS256 whatever the access-token default is: every relying party supports it.
  if (!(err = read_alg("id_token_signed_response_alg", "RS256", c.id_token_signed_response_alg)).empty())
    return fail("id_token_signed_response_alg", err);

  if (!(err = read_string_list(doc, "access_token_audience", c.access_token_audience)).empty())
    return fail("access_token_audience", err);

  for (std::string_view ro : {"client_id_issued_at", "client_secret_expires_at", "updated_at"}) {
    auto it = doc.find(ro);
    if (it != doc.end() && !it->value().is_number() && !it->value().is_null())
      return fail(std::string(ro), "must be a number");
  }
  return draft;
}

json::object to_json(const Client& c) {
  auto strings = [](const std::vector<std::string>& v) {
    json::array a;
    for (const auto& s : v) a.emplace_back(s);
    return a;
  };
  json::object out{
      {"client_id", c.client_id},
      {"client_name", c.client_name},
      {"grant_types", strings(c.grant_types)},
      {"token_endpoint_auth_method", c.token_endpoint_auth_method},
      {"scope", join_scope(c.scopes)},
      {"redirect_uris", strings(c.redirect_uris)},
      {"post_logout_redirect_uris", strings(c.post_logout_redirect_uris)},
      {"access_token_signed_response_alg", c.access_token_signed_response_alg},
      {"access_token_audience", strings(c.access_token_audience)},
      {"id_token_signed_response_alg", c.id_token_signed_response_alg},
      {"client_id_issued_at", c.created_at},
      {"client_secret_expires_at", 0},
      {"updated_at", c.updated_at},
  };
  if (!c.jwks.empty()) {
    boost::system::error_code ec;
    auto keys = json::parse(c.jwks, ec);
    if (!ec) out["jwks"] = std::move(keys);
  }
  return out;
}

}  // namespace gatehouse::client
