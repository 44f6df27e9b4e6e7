#pragma once
// Client metadata in and out of JSON, with RFC 7591 names, and its validation. Used by the admin
// API and by kickstart files so both accept exactly the same documents.

#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "client/client.hpp"
#include "core/result.hpp"

namespace gatehouse::client {

inline constexpr std::size_t kMinSecretLength = 16;

/// A validation failure naming the JSON member at fault (RFC 7591 §3.2.2 error codes).
struct MetadataError {
  std::string code;     // invalid_client_metadata | invalid_redirect_uri
  std::string field;    // e.g. "grant_types"
  std::string message;  // safe to show
};

struct MetadataDefaults {
  std::string signing_alg = "RS256";
  std::vector<std::string> allowed_algs{"RS256", "ES256"};
};

/// The parsed metadata of a create or replace request, before secrets are hashed.
struct ClientDraft {
  Client client;                       // secret_hash empty
  std::optional<std::string> secret;   // client_secret member, if given
};

/// Validates a metadata document. Unknown members are refused (so typos do not pass silently).
/// `client_id` may be absent (the caller generates one); the read-only members client_id_issued_at,
/// client_secret_expires_at and updated_at are accepted and ignored.
Result<ClientDraft, MetadataError> parse_metadata(const boost::json::object& doc, const MetadataDefaults& defaults);

/// The client as JSON (never with a secret or its hash).
boost::json::object to_json(const Client& client);

/// true if every scope token is a valid RFC 6749 §3.3 scope-token (%x21 / %x23-5B / %x5D-7E).
bool valid_scope_token(std::string_view token);
/// Splits a space-delimited scope string, dropping repeats. @returns nullopt if a token is invalid,
/// doubled spaces appear, or it has more than 100 distinct scopes or 4096 characters.
std::optional<std::vector<std::string>> split_scope(std::string_view scope);
std::string join_scope(const std::vector<std::string>& scopes);

bool has_grant(const Client& client, std::string_view grant_type);
/// The client's registered mfa_policy member ("off" | "optional" | "required"), or "" when it has none.
std::string mfa_policy(const Client& client);

}  // namespace gatehouse::client
