#pragma once
// The SQLite backend: the embedded default store of a single node (DESIGN.md "Storage"). Only the
// composition root (app/) names this class; everything else sees the ports it hands out.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "admin/api_key_store.hpp"
#include "client/client_store.hpp"
#include "keys/key_store.hpp"
#include "session/login_transaction_store.hpp"
#include "session/sso_session_store.hpp"
#include "settings/settings_store.hpp"
#include "token/code_store.hpp"
#include "token/refresh_token_store.hpp"
#include "token/revocation_store.hpp"
#include "user/user_store.hpp"

namespace gatehouse::storage::sqlite {

struct SqliteOptions {
  std::string path;                              ///< database file, or ":memory:"
  std::size_t pool_size = 4;                     ///< at most this many connections
  std::chrono::milliseconds busy_timeout{5000};  ///< lock waits and waits for a free connection
};

/// Thread safety: every method, and every store it hands out, is safe to call concurrently from
/// any number of threads; at most pool_size of them use the database at once, the others wait up
/// to busy_timeout. The stores live as long as the backend.
class SqliteBackend {
 public:
  /// Opens (creating the file and its parent directory if missing) with WAL journal mode, foreign
  /// keys on, synchronous=NORMAL and busy_timeout. ":memory:" gives a private in-memory database
  /// that all pooled connections share. Does not migrate: call migrate() (or `gatehouse migrate`).
  /// @throws StorageError naming the path.
  explicit SqliteBackend(const SqliteOptions& options);
  ~SqliteBackend();
  SqliteBackend(const SqliteBackend&) = delete;
  SqliteBackend& operator=(const SqliteBackend&) = delete;

  /// Applies pending numbered migrations exactly once each, every one in its own BEGIN IMMEDIATE
  /// transaction (so processes starting together apply each once), recording each in
  /// schema_migrations(version, name, applied_at). @returns how many were applied by this call.
  /// @throws StorageError if a migration fails (that migration is rolled back; earlier ones stay).
  int migrate();
  /// Highest applied migration version (0 if none).
  int schema_version();
  /// Latest migration version this binary knows.
  static int latest_version();
  /// true if a trivial query succeeds within the busy timeout; never throws.
  bool ping() noexcept;

  client::ClientStore& clients();
  admin::ApiKeyStore& api_keys();
  keys::KeyStore& keys();
  token::RevocationStore& revocations();
  settings::SettingsStore& settings();
  user::UserStore& users();
  session::LoginTransactionStore& login_transactions();
  session::SsoSessionStore& sso_sessions();
  token::CodeStore& codes();
  token::RefreshTokenStore& refresh_tokens();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gatehouse::storage::sqlite
