#pragma once
// The PostgreSQL backend: the shared store of a cluster (DESIGN.md "Storage"). Only the
// composition root (app/) names this class; everything else sees the ports it hands out.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <string>

#include "core/secret.hpp"
#include "storage/sql_backend.hpp"

namespace gatehouse::storage {
namespace postgres {
class Connection;
}
extern template class SqlBackend<postgres::Connection>;  // instantiated in postgres_backend.cpp
}  // namespace gatehouse::storage

namespace gatehouse::storage::postgres {

struct PostgresOptions {
  /// libpq connection URL ("postgresql://user:password@host:port/dbname?sslmode=verify-full") or
  /// key=value string. Its password never appears in a message or a log.
  DatabaseUrl url;
  std::size_t pool_size = 4;               ///< at most this many connections
  std::chrono::milliseconds timeout{5000};  ///< connecting, waiting for a free connection, ping()
  /// Schema for every table; empty = the URL's default (search_path, normally public). When set,
  /// it is created if missing and every pooled connection runs `SET search_path TO <schema>`.
  std::string schema;
};

/// Thread safety: every method, and every store it hands out, is safe to call concurrently from
/// any number of threads, in any number of processes sharing the database; at most pool_size of a
/// backend's calls use the server at once, the others wait up to `timeout`. The stores live as
/// long as the backend.
class PostgresBackend final : public SqlBackend<Connection> {
 public:
  /// Opens one connection (so a bad URL, an unreachable server or refused credentials fail here)
  /// and creates `schema` if it is set and missing. Does not migrate: call migrate() (or
  /// `gatehouse migrate`). @throws StorageError naming the server without its password.
  explicit PostgresBackend(const PostgresOptions& options);
  ~PostgresBackend() override;
  PostgresBackend(const PostgresBackend&) = delete;
  PostgresBackend& operator=(const PostgresBackend&) = delete;

  /// Applies the pending numbered migrations in one transaction under a cluster-wide advisory
  /// lock, re-reading schema_migrations(version, name, applied_at) after taking it, so processes
  /// migrating at once apply each migration exactly once; either every pending migration is
  /// applied or none is. @returns how many this call applied. @throws StorageError.
  int migrate() override;
  /// Reads schema_migrations (absent: every migration is pending) outside any lock: a migration
  /// committed meanwhile by another process may still be listed.
  std::vector<Migration> pending_migrations() override;
  int required_binary_schema() const noexcept override { return kRequiredBinarySchema; }
  int schema_version() override;
  /// Latest migration version this binary knows.
  static int latest_version();
  int known_version() const noexcept override { return latest_version(); }
  int min_binary_schema() override;
  /// What migrate() requires of binaries (see Backend::min_binary_schema): raise it in the same
  /// commit as a migration that older binaries cannot live with; additive migrations leave it.
  static constexpr int kRequiredBinarySchema = 1;
  std::string_view kind() const noexcept override { return "postgres"; }
  /// true if `SELECT 1` is answered within the timeout (waiting for a connection included);
  /// never throws.
  bool ping() noexcept override;
  /// LISTEN gatehouse_events on a connection of its own (reconnecting after a failure).
  void notify_on_events(std::function<void()> wake) override;
  /// Connections of the pool or of the event listener that were lost (Backend::connection_losses).
  std::uint64_t connection_losses() const noexcept override;

 private:
  struct Impl;  // what the event listener needs: the connection spec
  PostgresBackend(const PostgresOptions& options, std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::jthread listener_;  // last: stopped and joined first
};

}  // namespace gatehouse::storage::postgres
