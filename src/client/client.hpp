#pragma once
// A registered OAuth client ("application"), named after RFC 7591 client metadata.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace gatehouse::client {

struct Client {
  std::string client_id;
  /// Keyed hash (HMAC-SHA-256 under a key derived from the master key) of the client secret;
  /// empty for clients without a secret ("none", "private_key_jwt"). The secret itself is never stored.
  std::string secret_hash;
  std::string client_name;
  std::vector<std::string> grant_types;           // RFC 7591 §2
  std::string token_endpoint_auth_method;  // client_secret_basic | client_secret_post | private_key_jwt | none
  std::vector<std::string> scopes;                // RFC 7591 "scope", split on spaces
  std::vector<std::string> redirect_uris;
  std::vector<std::string> post_logout_redirect_uris;  // OpenID Connect RP-Initiated Logout §3.1
  std::string access_token_signed_response_alg;   // RS256 | ES256 (extension; default RS256)
  std::vector<std::string> access_token_audience; // extension: "aud" of access tokens; default [client_id]
  std::string id_token_signed_response_alg = "RS256";  // OIDC Registration §2: RS256 | ES256
  /// private_key_jwt: the registered public keys, a JWK Set as normalize_jwks() makes it; else "".
  std::string jwks;
  /// Extension: this client may introspect tokens whose "aud" holds one of these (RFC 7662 §4:
  /// a resource server is told about the tokens meant for it, and no others).
  std::vector<std::string> introspection_audiences;
  /// Registered metadata that changes nothing Gatehouse does (client_uri, logo_uri, contacts, a
  /// "public" subject_type, ...), kept and returned as given: a JSON object, "{}" when none.
  std::string extra_metadata = "{}";
  /// A SAML service provider's entityID, read from its saml_metadata by parse_metadata() (a
  /// saml_metadata_url-only registration has none until its metadata is fetched); "" for any other
  /// application. Kept in its own column, which the store keeps unique across applications.
  std::string saml_entity_id;
  /// Optimistic concurrency: bumped by every change of the registration; an update names the
  /// version it read (the admin API's ETag / If-Match).
  std::int64_t version = 1;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
};

/// true for the methods that authenticate with a client secret (client_secret_basic/_post).
inline bool uses_secret(const Client& c) {
  return c.token_endpoint_auth_method == "client_secret_basic" || c.token_endpoint_auth_method == "client_secret_post";
}

struct ClientPage {
  std::vector<Client> items;
  std::size_t total = 0;
};

}  // namespace gatehouse::client
