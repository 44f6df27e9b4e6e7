#pragma once
// A store backend as the composition root sees it: schema management, a health probe, and the
// ports every domain owns (DESIGN.md "Storage"). SQLite (single node) and PostgreSQL (cluster)
// implement it; only app/ chooses one.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "admin/api_key_store.hpp"
#include "admin/audit_store.hpp"
#include "cas/ticket_store.hpp"
#include "saml/state_store.hpp"
#include "cluster/event_store.hpp"
#include "cluster/job_store.hpp"
#include "cluster/node_store.hpp"
#include "client/client_store.hpp"
#include "core/error.hpp"
#include "core/unit_of_work.hpp"
#include "keys/key_store.hpp"
#include "mfa/challenge_store.hpp"
#include "mfa/passkey_store.hpp"
#include "mfa/recovery_code_store.hpp"
#include "mfa/totp_store.hpp"
#include "session/sso_session_store.hpp"
#include "settings/settings_store.hpp"
#include "storage/migration.hpp"
#include "signin/transaction.hpp"
#include "token/code_store.hpp"
#include "token/refresh_token_store.hpp"
#include "limits/counter_store.hpp"
#include "token/replay_store.hpp"
#include "token/revocation_store.hpp"
#include "user/user_store.hpp"

namespace gatehouse::storage {

/// Refuses a binary older than the database allows (Backend::min_binary_schema), for migrate().
/// @throws StartupError naming both versions and what to do.
inline void refuse_if_too_old(int min_binary_schema, int known_version) {
  if (min_binary_schema <= known_version) return;
  throw StartupError("this Gatehouse binary is too old for the database: it knows schema version " +
                     std::to_string(known_version) + ", and a newer Gatehouse has migrated the database to a schema "
                     "that needs at least version " + std::to_string(min_binary_schema) +
                     "; upgrade this node to the release the other nodes run (nothing was changed)");
}

/// Thread safety: every method, and every store handed out, is safe to call concurrently from any
/// number of threads. The stores live as long as the backend.
class Backend {
 public:
  virtual ~Backend() = default;

  /// "sqlite" or "postgres": for logs and for refusing SQLite in cluster mode.
  virtual std::string_view kind() const noexcept = 0;
  /// Applies pending numbered migrations exactly once each, even when several processes start
  /// together. @returns how many this call applied. @throws StorageError.
  virtual int migrate() = 0;
  /// The migrations migrate() would apply now, in order, read without taking the migration lock
  /// and changing nothing (`gatehouse migrate --dry-run`). @throws StartupError when this binary
  /// is too old for the database, as migrate() would; StorageError.
  virtual std::vector<Migration> pending_migrations() = 0;
  /// What migrate() raises min_binary_schema() to (the backend's kRequiredBinarySchema).
  virtual int required_binary_schema() const noexcept = 0;
  /// Highest applied migration version (0 if none). @throws StorageError.
  virtual int schema_version() = 0;
  /// Latest migration version this binary knows.
  virtual int known_version() const noexcept = 0;
  /// The oldest binary that may run against this database, as the latest migration version such a
  /// binary must know (0 on an empty database). migrate() raises it to what the migrating binary
  /// requires and refuses, with StartupError and nothing written, a binary that knows less: a node
  /// left on an old release during a rolling upgrade keeps running only while the schema it would
  /// meet is one it can use. @throws StorageError.
  virtual int min_binary_schema() = 0;
  /// true if a trivial query succeeds within the backend's timeout; never throws.
  virtual bool ping() noexcept = 0;
  /// Calls `wake` (from a thread of the backend's) soon after any process commits cluster events,
  /// until the backend is destroyed. A backend without notifications does nothing: the node polls.
  virtual void notify_on_events(std::function<void()> wake) { (void)wake; }
  /// How many connections to the store were lost so far (ended by the server, dropped by the
  /// network, found on a read-only standby); 0 for a backend without connections to lose. A change
  /// means notifications may have been missed and the store may be another server (a promoted
  /// standby): the node re-reads what it caches (ClusterRuntime).
  virtual std::uint64_t connection_losses() const noexcept { return 0; }

  virtual client::ClientStore& clients() = 0;
  virtual admin::ApiKeyStore& api_keys() = 0;
  virtual admin::AuditStore& audit() = 0;
  virtual keys::KeyStore& keys() = 0;
  virtual token::RevocationStore& revocations() = 0;
  virtual token::ReplayStore& replays() = 0;
  virtual limits::CounterStore& rate_counters() = 0;
  virtual settings::SettingsStore& settings() = 0;
  virtual user::UserStore& users() = 0;
  virtual signin::TransactionStore& login_transactions() = 0;
  virtual session::SsoSessionStore& sso_sessions() = 0;
  virtual token::CodeStore& codes() = 0;
  virtual token::RefreshTokenStore& refresh_tokens() = 0;
  virtual cluster::NodeStore& nodes() = 0;
  virtual cluster::EventStore& events() = 0;
  virtual cluster::JobStore& jobs() = 0;
  virtual mfa::TotpStore& totp() = 0;
  virtual mfa::RecoveryCodeStore& recovery_codes() = 0;
  virtual mfa::PasskeyStore& passkeys() = 0;
  virtual mfa::ChallengeStore& webauthn_challenges() = 0;
  virtual cas::TicketStore& cas_tickets() = 0;
  virtual cas::ProxyGrantingTicketStore& cas_proxy_granting_tickets() = 0;
  virtual saml::ArtifactStore& saml_artifacts() = 0;
  virtual saml::PersistentIdStore& saml_persistent_ids() = 0;
  /// Store calls that commit together (core/unit_of_work.hpp).
  virtual UnitOfWork& units() = 0;
};

}  // namespace gatehouse::storage
