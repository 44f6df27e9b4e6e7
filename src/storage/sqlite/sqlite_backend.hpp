#pragma once
// The SQLite backend: the embedded default store of a single node (DESIGN.md "Storage"). Only the
// composition root (app/) names this class; everything else sees the ports it hands out.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <thread>

#include "storage/sql_backend.hpp"

namespace gatehouse::storage {
namespace sqlite {
class Connection;
}
extern template class SqlBackend<sqlite::Connection>;  // instantiated in sqlite_backend.cpp
}  // namespace gatehouse::storage

namespace gatehouse::storage::sqlite {

struct SqliteOptions {
  std::string path;                              ///< database file, or ":memory:"
  std::size_t pool_size = 4;                     ///< at most this many connections
  std::chrono::milliseconds busy_timeout{5000};  ///< lock waits and waits for a free connection
  std::chrono::milliseconds checkpoint_interval{250};  ///< how often the checkpointer runs
  int wal_restart_frames = 4096;                       ///< WAL pages past which it restarts the WAL (16 MiB)
};

/// Thread safety: every method, and every store it hands out, is safe to call concurrently from
/// any number of threads; at most pool_size of them use the database at once, the others wait up
/// to busy_timeout. The stores live as long as the backend.
class SqliteBackend final : public SqlBackend<Connection> {
 public:
  /// Opens (creating the file and its parent directory if missing) with WAL journal mode, foreign
  /// keys on, synchronous=NORMAL and busy_timeout. ":memory:" gives a private in-memory database
  /// that all pooled connections share. Does not migrate: call migrate() (or `gatehouse migrate`).
  /// @throws StorageError naming the path.
  explicit SqliteBackend(const SqliteOptions& options);
  ~SqliteBackend() override;
  SqliteBackend(const SqliteBackend&) = delete;
  SqliteBackend& operator=(const SqliteBackend&) = delete;

  /// Applies pending numbered migrations exactly once each, every one in its own BEGIN IMMEDIATE
  /// transaction (so processes starting together apply each once), recording each in
  /// schema_migrations(version, name, applied_at). @returns how many were applied by this call.
  /// @throws StorageError if a migration fails (that migration is rolled back; earlier ones stay).
  int migrate() override;
  /// Reads schema_migrations (absent: every migration is pending) in one read transaction.
  std::vector<Migration> pending_migrations() override;
  int required_binary_schema() const noexcept override { return kRequiredBinarySchema; }
  int schema_version() override;
  /// Latest migration version this binary knows.
  static int latest_version();
  int known_version() const noexcept override { return latest_version(); }
  int min_binary_schema() override;
  /// What migrate() requires of binaries (see Backend::min_binary_schema): raise it in the same
  /// commit as a migration that older binaries cannot live with (a dropped or renamed column, a
  /// changed meaning); additive migrations leave it.
  static constexpr int kRequiredBinarySchema = 9;
  std::string_view kind() const noexcept override { return "sqlite"; }
  /// true if a trivial query succeeds within the busy timeout; never throws.
  bool ping() noexcept override;

 private:
  std::jthread checkpointer_;  // last: stopped and joined first
};

}  // namespace gatehouse::storage::sqlite
