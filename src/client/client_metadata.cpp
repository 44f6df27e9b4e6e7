#include "client/client_metadata.hpp"

#include <algorithm>
#include <array>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "client/cas_members.hpp"
#include "client/client_keys.hpp"
#include "client/logout_members.hpp"
#include "client/saml_members.hpp"

namespace gatehouse::client {
namespace {

namespace json = boost::json;

// Every member RFC 7591 §2 and OpenID Connect Registration §2 define falls in one of the classes
// below; any other name is refused, so a typo never passes silently.
//
// Honoured: parsed into Client fields and enforced. Three are extensions of ours
// (access_token_signed_response_alg, access_token_audience, introspection_audiences).
constexpr std::array<std::string_view, 15> kHonoured{
    "client_id", "client_secret", "client_name", "grant_types", "response_types", "token_endpoint_auth_method",
    "scope", "redirect_uris", "post_logout_redirect_uris", "access_token_signed_response_alg", "access_token_audience",
    "id_token_signed_response_alg", "jwks", "introspection_audiences", "token_endpoint_auth_signing_alg"};
// The read-only members the API returns are accepted and ignored, so a document read with GET can
// be edited and sent back with PUT.
constexpr std::array<std::string_view, 3> kReadOnly{"client_id_issued_at", "client_secret_expires_at", "updated_at"};
// Members whose names may carry a language tag, "client_name#ja-Jpan-JP" (OIDC Registration §2.1).
constexpr std::array<std::string_view, 5> kLocalizable{"client_name", "client_uri", "logo_uri", "tos_uri", "policy_uri"};

/// How a member that changes nothing Gatehouse does is checked before it is kept.
enum class Kept {
  kUri,          // informational absolute http(s) URI
  kHttpsUri,     // informational https URI (OIDC: initiate_login_uri)
  kString,       // informational string
  kStringList,   // informational array of strings
  kBoolean,      // informational boolean
  kAppType,      // "web" | "native"
  kPublic,       // only "public" (the one subject type Gatehouse has)
  kNullOnly,     // a feature Gatehouse does not offer: only null (or absent), which asks for none
  kEmptyList,    // a feature Gatehouse does not offer: only [] (or null), which asks for none
  kMfaPolicy,    // our extension mfa_policy: "off" | "optional" | "required" (read by mfa_policy())
  kCas,          // our CAS extensions (client/cas_members.hpp; read by cas::registration_of())
  kSaml,         // our SAML extensions (client/saml_members.hpp; read by saml::SpRegistry)
  kBackChannel,  // backchannel_logout_uri (client/logout_members.hpp; read by oidc::BackChannelLogout)
};
struct KeptMember {
  std::string_view name;
  Kept kind;
  std::string_view why;  // for kNullOnly / kEmptyList / kPublic: what is not supported
};
constexpr std::array<KeptMember, 45> kKept{{
    // Ours: whether signing in to this client asks a second factor (absent: mfa.default_policy).
    {"mfa_policy", Kept::kMfaPolicy, ""},
    // Ours: the application as a CAS service (issue 13).
    {"cas_services", Kept::kCas, ""},
    {"cas_proxy_callbacks", Kept::kCas, ""},
    {"cas_attributes", Kept::kCas, ""},
    {"cas_sso", Kept::kCas, ""},
    {"cas_logout_url", Kept::kCas, ""},
    // Ours: the application as a SAML service provider (issue 14).
    {"saml_metadata", Kept::kSaml, ""},
    {"saml_metadata_url", Kept::kSaml, ""},
    {"saml_metadata_signing_cert", Kept::kSaml, ""},
    {"saml_attributes", Kept::kSaml, ""},
    {"saml_nameid_format", Kept::kSaml, ""},
    {"saml_sign", Kept::kSaml, ""},
    {"saml_encrypt", Kept::kSaml, ""},
    {"saml_require_signed_requests", Kept::kSaml, ""},
    {"saml_allow_idp_initiated", Kept::kSaml, ""},
    {"saml_affiliation", Kept::kSaml, ""},
    {"client_uri", Kept::kUri, ""},
    {"logo_uri", Kept::kUri, ""},
    {"tos_uri", Kept::kUri, ""},
    {"policy_uri", Kept::kUri, ""},
    {"contacts", Kept::kStringList, ""},
    {"software_id", Kept::kString, ""},
    {"software_version", Kept::kString, ""},
    {"application_type", Kept::kAppType, ""},
    {"initiate_login_uri", Kept::kHttpsUri, ""},
    // ID tokens always carry auth_time, so both values are already honoured.
    {"require_auth_time", Kept::kBoolean, ""},
    // Without a front-channel logout URI (which must be null) this changes nothing; Logout Tokens
    // always carry the sid, which honours both values of the back-channel one.
    {"frontchannel_logout_session_required", Kept::kBoolean, ""},
    {"backchannel_logout_session_required", Kept::kBoolean, ""},
    {"subject_type", Kept::kPublic, "pairwise subject identifiers are not supported; subjects are public"},
    {"jwks_uri", Kept::kNullOnly, "keys are not fetched from a URI: register the public keys inline in jwks"},
    {"sector_identifier_uri", Kept::kNullOnly, "pairwise subject identifiers are not supported"},
    {"request_uris", Kept::kEmptyList, "request objects (request_uri) are not supported"},
    {"request_object_signing_alg", Kept::kNullOnly, "request objects are not supported"},
    {"request_object_encryption_alg", Kept::kNullOnly, "request objects are not supported"},
    {"request_object_encryption_enc", Kept::kNullOnly, "request objects are not supported"},
    {"id_token_encrypted_response_alg", Kept::kNullOnly, "encrypted ID tokens are not supported"},
    {"id_token_encrypted_response_enc", Kept::kNullOnly, "encrypted ID tokens are not supported"},
    {"userinfo_signed_response_alg", Kept::kNullOnly, "UserInfo answers plain JSON; signed responses are not supported"},
    {"userinfo_encrypted_response_alg", Kept::kNullOnly, "encrypted UserInfo responses are not supported"},
    {"userinfo_encrypted_response_enc", Kept::kNullOnly, "encrypted UserInfo responses are not supported"},
    {"default_max_age", Kept::kNullOnly, "a default max_age is not supported; send max_age in the request"},
    {"default_acr_values", Kept::kEmptyList, "default acr values are not supported"},
    {"frontchannel_logout_uri", Kept::kNullOnly, "front-channel logout is not supported"},
    {"backchannel_logout_uri", Kept::kBackChannel, ""},
    {"software_statement", Kept::kNullOnly, "software statements are not accepted (they cannot be verified here)"},
}};
constexpr std::array<std::string_view, 3> kGrantTypes{"client_credentials", "authorization_code", "refresh_token"};
constexpr std::array<std::string_view, 4> kAuthMethods{"client_secret_basic", "client_secret_post", "private_key_jwt",
                                                       "none"};
constexpr std::array<std::string_view, 1> kResponseTypes{"code"};
constexpr std::size_t kMaxClientIdLength = 128;
constexpr std::size_t kMaxUriLength = 2000;
constexpr std::size_t kMaxTextLength = 1000;
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

const KeptMember* kept_member(std::string_view name) {
  for (const auto& m : kKept)
    if (m.name == name) return &m;
  return nullptr;
}

/// "client_name#de" and the like: a localizable member with a plausible BCP 47 tag.
bool localized_name(std::string_view name, std::string_view& base) {
  const auto hash = name.find('#');
  if (hash == std::string_view::npos) return false;
  base = name.substr(0, hash);
  const auto tag = name.substr(hash + 1);
  if (!one_of(base, kLocalizable) || tag.empty() || tag.size() > 35) return false;
  return std::all_of(tag.begin(), tag.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::string quoted(const json::value& v) {
  auto text = json::serialize(v);
  if (text.size() > 80) text = text.substr(0, 77) + "...";
  return text;
}

std::string check_uri(const json::value& v, bool https_only) {
  if (!v.is_string()) return "must be a string";
  const auto& text = v.get_string();
  if (text.size() > kMaxUriLength) return "must be at most 2000 characters";
  auto parsed = boost::urls::parse_absolute_uri(std::string_view(text));
  if (!parsed || parsed->host().empty()) return "'" + std::string(text) + "' is not an absolute URI with a host";
  const auto scheme = parsed->scheme();
  if (https_only ? scheme != "https" : scheme != "https" && scheme != "http")
    return "'" + std::string(text) + "' must use " + (https_only ? "https" : "http or https");
  return "";
}

/// Checks a member that changes nothing Gatehouse does. @returns an error message, or "" when it
/// may be kept.
std::string check_kept(const KeptMember& m, const json::value& v) {
  switch (m.kind) {
    case Kept::kUri: return check_uri(v, false);
    case Kept::kHttpsUri: return check_uri(v, true);
    case Kept::kString:
      if (!v.is_string() || v.get_string().size() > kMaxTextLength) return "must be a string of at most 1000 characters";
      return "";
    case Kept::kStringList: {
      if (!v.is_array() || v.get_array().size() > kMaxListItems) return "must be an array of at most 100 strings";
      for (const auto& item : v.get_array())
        if (!item.is_string() || item.get_string().empty() || item.get_string().size() > kMaxTextLength)
          return "must be an array of non-empty strings of at most 1000 characters";
      return "";
    }
    case Kept::kBoolean: return v.is_bool() ? "" : "must be true or false";
    case Kept::kAppType:
      return v.is_string() && (v.get_string() == "web" || v.get_string() == "native") ? ""
                                                                                       : "must be \"web\" or \"native\"";
    case Kept::kPublic:
      if (v.is_string() && v.get_string() == "public") return "";
      return "value " + quoted(v) + " is not supported: " + std::string(m.why);
    case Kept::kEmptyList:
      if (v.is_array() && v.get_array().empty()) return "";
      return "value " + quoted(v) + " is not supported: " + std::string(m.why);
    case Kept::kNullOnly: return "value " + quoted(v) + " is not supported: " + std::string(m.why);
    case Kept::kMfaPolicy:
      return v.is_string() && (v.get_string() == "off" || v.get_string() == "optional" || v.get_string() == "required")
                 ? ""
                 : "must be \"off\", \"optional\" or \"required\"";
    case Kept::kCas: return check_cas_member(m.name, v);
    case Kept::kSaml: return check_saml_member(m.name, v);
    case Kept::kBackChannel: return check_back_channel_logout_uri(v);
  }
  return "is not supported";
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

std::string mfa_policy(const Client& client) {
  if (client.extra_metadata.find("\"mfa_policy\"") == std::string::npos) return {};  // the common case: no parse
  boost::system::error_code ec;
  auto extra = json::parse(client.extra_metadata, ec);
  if (ec || !extra.is_object()) return {};
  const auto* v = extra.get_object().if_contains("mfa_policy");
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

bool has_grant(const Client& client, std::string_view grant_type) {
  return std::find(client.grant_types.begin(), client.grant_types.end(), grant_type) != client.grant_types.end();
}

namespace {

/// One stage of reading a registration document into a draft; stages run in order and the first
/// refusal ends the parse.
using Stage = Result<void, MetadataError>;

/// Every member is one this server honours, keeps, or refuses by name; kept ones go to extra_metadata.
Stage read_members(const json::object& doc, const MetadataDefaults&, ClientDraft& draft) {
  Client& c = draft.client;
  json::object extra;
  for (const auto& member : doc) {
    const auto name = member.key();
    if (one_of(name, kHonoured) || one_of(name, kReadOnly)) continue;
    std::string_view base;
    const bool localized = localized_name(name, base);
    const auto* kept = localized ? nullptr : kept_member(name);
    if (!localized && kept == nullptr)
      return fail(std::string(name),
                  "is not a client metadata member of RFC 7591 or OpenID Connect Dynamic Client Registration "
                  "(nor a Gatehouse extension)");
    if (member.value().is_null()) continue;  // null is "not given" for every optional member
    if (localized) {
      const auto err = base == "client_name" ? (member.value().is_string() && member.value().get_string().size() <= kMaxNameLength
                                                    ? std::string()
                                                    : std::string("must be a string of at most 200 characters"))
                                             : check_uri(member.value(), false);
      if (!err.empty()) return fail(std::string(name), err);
      extra[name] = member.value();
      continue;
    }
    if (auto err = check_kept(*kept, member.value()); !err.empty()) return fail(std::string(name), err);
    extra[name] = member.value();
  }
  c.extra_metadata = json::serialize(extra);
  return {};
}

/// client_id, client_secret, client_name.
Stage read_identity(const json::object& doc, const MetadataDefaults&, ClientDraft& draft) {
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
  return {};
}

/// Whether the document registers the application for a protocol other than OAuth (a non-empty
/// cas_services, or SAML metadata or its URL), so that it may have no OAuth grant at all.
bool serves_other_protocol(const json::object& doc) {
  const auto it = doc.find("cas_services");
  return (it != doc.end() && it->value().is_array() && !it->value().get_array().empty()) || is_saml_application(doc);
}

/// The SAML members taken together (client/saml_members.hpp); the SP's entityID, which the store
/// keeps unique across applications.
Stage read_saml(const json::object& doc, const MetadataDefaults&, ClientDraft& draft) {
  auto entity_id = check_saml_registration(doc);
  if (!entity_id) return unexpected(entity_id.error());
  draft.client.saml_entity_id = std::move(*entity_id);
  return {};
}

/// response_types and grant_types, consistent with each other (RFC 7591 §2.1).
Stage read_grants(const json::object& doc, const MetadataDefaults&, ClientDraft& draft) {
  Client& c = draft.client;
  std::string err;
  // response_types (RFC 7591 §2): "code" is the only one (no implicit or hybrid flows).
  std::optional<std::vector<std::string>> response_types;
  if (auto it = doc.find("response_types"); it != doc.end() && !it->value().is_null()) {
    response_types.emplace();
    if (!(err = read_string_list(doc, "response_types", *response_types)).empty()) return fail("response_types", err);
    for (const auto& r : *response_types)
      if (!one_of(r, kResponseTypes))
        return fail("response_types", "'" + r + "' is not supported (supported: code)");
  }
  const bool code_response = response_types && !response_types->empty();
  // Without grant_types: client_credentials, Gatehouse's historical default, unless the document
  // asks for the code response type, which implies authorization_code (RFC 7591 §2.1), or it is
  // an application of another protocol only (CAS, SAML) that names no client authentication
  // either: that one has no OAuth grant. (A document with a secret keeps the historical default,
  // so registrations written for the previous release load unchanged.)
  const bool other_protocol = serves_other_protocol(doc);
  const auto named = [&](const char* member) {
    const auto* v = doc.if_contains(member);
    return v != nullptr && !v->is_null();
  };
  if (other_protocol && !response_types && !named("client_secret") && !named("token_endpoint_auth_method"))
    c.grant_types.clear();
  else
    c.grant_types = {code_response ? "authorization_code" : "client_credentials"};
  if (!(err = read_string_list(doc, "grant_types", c.grant_types)).empty()) return fail("grant_types", err);
  if (c.grant_types.empty() && !other_protocol)
    return fail("grant_types", "must not be empty (only an application with cas_services, saml_metadata or saml_metadata_url may "
                                  "have no OAuth grant)");
  for (const auto& g : c.grant_types)
    if (!one_of(g, kGrantTypes))
      return fail("grant_types", "'" + g + "' is not supported (supported: client_credentials, authorization_code, refresh_token)");
  // RFC 7591 §2.1: the code response type and the authorization_code grant go together.
  if (response_types && code_response != has_grant(c, "authorization_code"))
    return fail("response_types", code_response
                                      ? "[\"code\"] needs the authorization_code grant in grant_types (RFC 7591 section 2.1)"
                                      : "must be [\"code\"] with the authorization_code grant (RFC 7591 section 2.1)");
  return {};
}

/// token_endpoint_auth_method, jwks and the assertion algorithm.
Stage read_authentication(const json::object& doc, const MetadataDefaults&, ClientDraft& draft) {
  Client& c = draft.client;
  std::optional<std::string> s;
  std::string err;
  if (!(err = read_string(doc, "token_endpoint_auth_method", s)).empty()) return fail("token_endpoint_auth_method", err);
  // An application without OAuth grants never comes to the token endpoint: it has no secret.
  c.token_endpoint_auth_method = s.value_or(c.grant_types.empty() ? "none" : "client_secret_basic");
  if (c.grant_types.empty() && c.token_endpoint_auth_method != "none")
    return fail("token_endpoint_auth_method", "must be none for an application without OAuth grants");
  if (!one_of(c.token_endpoint_auth_method, kAuthMethods))
    return fail("token_endpoint_auth_method",
                "must be client_secret_basic, client_secret_post, private_key_jwt or none");
  if (c.token_endpoint_auth_method == "none") {
    if (has_grant(c, "client_credentials"))
      return fail("token_endpoint_auth_method", "a public client (none) cannot use client_credentials");
    if (draft.secret)
      return fail("client_secret", c.grant_types.empty() ? "an application without OAuth grants has no secret"
                                                          : "a public client (none) has no secret");
  }
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
  // The algorithm of the client's assertions is the algorithm of its keys, so a value is kept only
  // when every registered key already signs with it (then it restricts nothing further).
  if (auto it = doc.find("token_endpoint_auth_signing_alg"); it != doc.end() && !it->value().is_null()) {
    const auto& v = it->value();
    if (!v.is_string()) return fail("token_endpoint_auth_signing_alg", "must be a string");
    const auto keys = load_client_keys(c.jwks);
    const bool all_match = !keys.empty() && std::all_of(keys.begin(), keys.end(), [&](const ClientKey& k) {
      return jose::to_string(k.key.algorithm()) == v.get_string();
    });
    if (!all_match)
      return fail("token_endpoint_auth_signing_alg",
                  "value " + quoted(v) +
                      " is not supported: it must be the algorithm of every key in jwks (private_key_jwt clients only)");
    json::object kept = json::parse(c.extra_metadata).as_object();
    kept["token_endpoint_auth_signing_alg"] = v;
    c.extra_metadata = json::serialize(kept);
  }
  return {};
}

/// backchannel_logout_uri, against the authentication method (client/logout_members.hpp).
Stage read_logout(const json::object& doc, const MetadataDefaults&, ClientDraft& draft) {
  if (auto err = check_back_channel_logout_client(doc, draft.client); !err.empty()) return fail("backchannel_logout_uri", err);
  return {};
}

/// scope, redirect_uris, post_logout_redirect_uris.
Stage read_scope_and_uris(const json::object& doc, const MetadataDefaults&, ClientDraft& draft) {
  Client& c = draft.client;
  std::optional<std::string> s;
  std::string err;
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
  return {};
}

/// Signing algorithms, audiences, and the read-only members.
Stage read_token_options(const json::object& doc, const MetadataDefaults& defaults, ClientDraft& draft) {
  Client& c = draft.client;
  std::string err;
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
  if (!(err = read_string_list(doc, "introspection_audiences", c.introspection_audiences)).empty())
    return fail("introspection_audiences", err);
  for (const auto& a : c.introspection_audiences)
    if (a.size() > kMaxTextLength) return fail("introspection_audiences", "entries must be at most 1000 characters");
  if (!c.introspection_audiences.empty() && c.token_endpoint_auth_method == "none")
    return fail("introspection_audiences", "a public client (none) cannot introspect tokens");

  for (std::string_view ro : {"client_id_issued_at", "client_secret_expires_at", "updated_at"}) {
    auto it = doc.find(ro);
    if (it != doc.end() && !it->value().is_number() && !it->value().is_null())
      return fail(std::string(ro), "must be a number");
  }
  return {};
}

}  // namespace

Result<ClientDraft, MetadataError> parse_metadata(const json::object& doc, const MetadataDefaults& defaults) {
  using StageFn = Stage (*)(const json::object&, const MetadataDefaults&, ClientDraft&);
  static constexpr StageFn kStages[] = {read_members, read_identity, read_saml, read_grants,
                                        read_authentication, read_logout, read_scope_and_uris, read_token_options};
  ClientDraft draft;
  for (auto stage : kStages)
    if (auto done = stage(doc, defaults, draft); !done) return unexpected(done.error());
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
      {"response_types", has_grant(c, "authorization_code") ? strings({"code"}) : json::array()},
      {"introspection_audiences", strings(c.introspection_audiences)},
      {"client_id_issued_at", c.created_at},
      {"client_secret_expires_at", 0},
      {"updated_at", c.updated_at},
  };
  if (!c.jwks.empty()) {
    boost::system::error_code ec;
    auto keys = json::parse(c.jwks, ec);
    if (!ec) out["jwks"] = std::move(keys);
  }
  // The kept members never collide with the ones above (parse_metadata sorts them apart).
  boost::system::error_code ec;
  auto extra = json::parse(c.extra_metadata, ec);
  if (!ec && extra.is_object())
    for (auto& m : extra.as_object())
      if (!out.contains(m.key())) out[m.key()] = std::move(m.value());
  return out;
}

}  // namespace gatehouse::client
