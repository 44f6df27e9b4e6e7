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
#include "user/password_hasher.hpp"
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
  /// This node's recent log lines (each a JSON object as text) after a sequence number, at most
  /// `limit`, oldest first; empty function: none kept.
  std::function<std::vector<std::pair<std::uint64_t, std::string>>(std::uint64_t after, std::size_t limit)> local_logs = {};
  /// GETs a URL of another node (http::http_get in a node; a fake in tests).
  std::function<Result<http::ClientResponse, std::string>(const std::string& url,
                                                          const std::vector<std::pair<std::string, std::string>>& headers)>
      fetch = {};
  /// Signs and checks node-to-node requests (derived from the master key every node shares).
  std::string node_key = {};
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
};

/// The X-Gatehouse-Node header value that authenticates a forwarded request for `target` (path
/// and query) from node `from` at `now_ms`: "<from> <now_ms> <base64url HMAC-SHA-256>".
std::string sign_node_request(const std::string& key, const std::string& from, UnixMillis now_ms, std::string_view target);
/// true if `header` is a signature of `target` made with `key` within 30 s of `now_ms`.
bool verify_node_request(const std::string& key, std::string_view header, UnixMillis now_ms, std::string_view target);

/// Minimum length of an API key given in a kickstart file.
inline constexpr std::size_t kMinApiKeyLength = 16;

/// A new API key record for `key` (id generated, key hashed).
ApiKey make_api_key(const std::string& key, std::string description, const client::SecretHasher& hasher,
                    UnixSeconds now);

/// Registers the admin routes. `deps` must outlive the router.
void add_routes(http::Router& router, const AdminDeps& deps);
/// Registers /api/users (users_api.cpp); called by add_routes.
void add_user_routes(http::Router& router, const AdminDeps& deps);
/// Registers /api/system/nodes and /api/system/jobs (system_api.cpp); called by add_routes.
void add_system_routes(http::Router& router, const AdminDeps& deps);
/// Registers the admin console's static files at /admin (console.cpp); called by add_routes.
void add_console_routes(http::Router& router);
/// Registers /api/system/logs (logs_api.cpp); called by add_routes.
void add_log_routes(http::Router& router, const AdminDeps& deps);

}  // namespace gatehouse::admin
