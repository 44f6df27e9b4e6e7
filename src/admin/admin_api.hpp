#pragma once
// The admin API under /api/: applications (OAuth clients), API keys, users, and the cluster's nodes and jobs. Every route requires an
// API key in the Authorization header ("Bearer <key>" or the key alone): one that has not expired,
// and for anything but GET one with the admin role (a read_only key may only read).

#include <functional>
#include <optional>
#include <string>

#include "admin/api_key_store.hpp"
#include "admin/audit_store.hpp"
#include "client/client_metadata.hpp"
#include "cluster/event_store.hpp"
#include "cluster/job_store.hpp"
#include "cluster/node_store.hpp"
#include "client/client_store.hpp"
#include "client/secret_hasher.hpp"
#include "core/request_stats.hpp"
#include "core/clock.hpp"
#include "http/client.hpp"
#include "http/router.hpp"
#include "keys/key_ring.hpp"
#include "keys/key_store.hpp"
#include "mfa/factors.hpp"
#include "session/sso_session_store.hpp"
#include "token/refresh_token_store.hpp"
#include "token/replay_store.hpp"
#include "user/password_hasher.hpp"
#include "user/identity_source.hpp"
#include "user/user_store.hpp"

namespace gatehouse::admin {

struct AdminDeps {
  client::ClientStore& clients;           // writes go here (the node's near-cache, so they invalidate it)
  client::ClientStore& clients_uncached;  // reads go here: a read that is written back must be fresh
  ApiKeyStore& api_keys;
  const client::SecretHasher& client_secrets;
  const client::SecretHasher& api_key_hasher;
  client::MetadataDefaults metadata_defaults;
  const Clock& clock;
  user::UserStore& users;
  const user::PasswordHasher& passwords;
  int min_password_length;
  cluster::NodeStore& nodes;
  cluster::JobStore& jobs;
  cluster::EventStore& events;
  std::string node_id;  // this node's
  keys::KeyStore& keys;
  std::function<keys::RotationResult()> rotate_keys_now;  // a forced rotation step
  const stats::RequestStats* request_stats = nullptr;     // this node's, for /api/system/stats
  /// Users' second factors (/api/users/{id}/factors, "totp_secret"); nullptr: those answer 404
  /// and a "totp_secret" is refused.
  const mfa::Factors* factors = nullptr;
  /// This node's recent log lines (each a JSON object as text) after a sequence number, at most
  /// `limit`, oldest first; empty function: none kept.
  std::function<std::vector<std::pair<std::uint64_t, std::string>>(std::uint64_t after, std::size_t limit)> local_logs = {};
  /// GETs a URL of another node (http::Client::get in a node, with its deadlines; a fake in tests).
  std::function<Result<http::ClientResponse, http::ClientError>(const std::string& url,
                                                          const std::vector<std::pair<std::string, std::string>>& headers)>
      fetch = {};
  /// Signs and checks node-to-node requests (derived from the master key every node shares).
  KeyBytes node_key = {};
  /// Where a user's sign-out everywhere ends the SSO sessions and revokes the grants (nullptr:
  /// only the user's token cut-off moves; tests only).
  session::SsoSessionStore* sso_sessions = nullptr;
  /// Users read past the near-cache, for reads that are written back (nullptr: `users`).
  user::UserStore* users_uncached = nullptr;
  token::RefreshTokenStore* grants = nullptr;
  /// Remembers the nonce of every node-to-node request this node accepted, for the request's
  /// lifetime, so none is accepted twice (shared by the nodes; nullptr: node requests refused).
  token::ReplayStore* node_nonces = nullptr;
  /// The audit trail (nullptr: changes are not recorded; tests only).
  AuditStore* audit = nullptr;
  /// Failed API key attempts per client address, counted cluster-wide. `key_failures_exhausted`
  /// returns the seconds to wait when the address is over its limit (checked before the key is);
  /// `key_failed` counts one failure and returns the address's failures in this window so far,
  /// this one included (the first of a window is audited). Empty: neither limited nor counted
  /// (every failure is then audited).
  std::function<std::optional<UnixSeconds>(std::string_view address)> key_failures_exhausted = {};
  std::function<std::int64_t(std::string_view address)> key_failed = {};
  /// The hosted pages' theme: read it as JSON, and validate + store a new one (an error message
  /// naming the member when refused). Empty: no /api/themes routes.
  std::function<boost::json::object()> get_theme = {};
  std::function<Result<void, std::string>(const boost::json::object&)> put_theme = {};
  /// The identity sources (directories) in their configured order: POST /api/users/{id}/sync
  /// reads a linked account's entry again.
  std::vector<user::IdentitySource*> identity_sources = {};
  /// This node's view of them (GET /api/system/identity-sources); empty: answers [].
  std::function<boost::json::array()> identity_sources_status = {};
};

/// How long a node-to-node request is valid around the time it was signed, either way.
inline constexpr UnixMillis kNodeRequestWindow = 30'000;

/// The X-Gatehouse-Node header value that authenticates one request for `target` (path and
/// query) from node `from` to node `to` at `now_ms`, with a fresh `nonce` (letters, digits, '-'
/// and '_'): "<from> <to> <now_ms> <nonce> <base64url HMAC-SHA-256>".
std::string sign_node_request(const KeyBytes& key, const std::string& from, const std::string& to, UnixMillis now_ms,
                              std::string_view nonce, std::string_view target);

/// A node-to-node request that passed verify_node_request.
struct NodeRequest {
  std::string from;
  std::string nonce;
};
/// Accepts `header` on node `self` for `target` when it is signed with `key` for this node within
/// kNodeRequestWindow of `now_ms` and its nonce was not seen before: the nonce is then recorded
/// in `nonces` ("node-request:<from>:<nonce>") until the window has passed. nullopt otherwise.
std::optional<NodeRequest> verify_node_request(const KeyBytes& key, std::string_view header, std::string_view self,
                                               UnixMillis now_ms, std::string_view target, token::ReplayStore& nonces);

/// The X-Gatehouse-Node-Response header value that authenticates the answer of node `responder`
/// (its status and body) to `request`: base64url HMAC-SHA-256 over both nodes, the request's
/// nonce, the status and the SHA-256 of the body.
std::string sign_node_response(const KeyBytes& key, std::string_view responder, const NodeRequest& request, int status,
                               std::string_view body);
/// true if `header` is sign_node_response of that answer.
bool verify_node_response(const KeyBytes& key, std::string_view responder, const NodeRequest& request, int status,
                          std::string_view body, std::string_view header);

/// A new API key record for `key` (id generated, key hashed).
ApiKey make_api_key(const std::string& key, std::string description, const client::SecretHasher& hasher,
                    UnixSeconds now);

/// Registers the admin routes. `deps` must outlive the router.
void add_routes(http::Router& router, const AdminDeps& deps);
/// Registers /api/users (users_api.cpp); called by add_routes.
void add_user_routes(http::Router& router, const AdminDeps& deps);
/// Registers /api/users/{id}/factors (factors_api.cpp); called by add_routes.
void add_factor_routes(http::Router& router, const AdminDeps& deps);
/// Registers /api/system/nodes and /api/system/jobs (system_api.cpp); called by add_routes.
void add_system_routes(http::Router& router, const AdminDeps& deps);
/// Registers the admin console's static files at /admin (console.cpp); called by add_routes.
void add_console_routes(http::Router& router);
/// Registers /api/system/logs (logs_api.cpp); called by add_routes.
void add_log_routes(http::Router& router, const AdminDeps& deps);

}  // namespace gatehouse::admin
