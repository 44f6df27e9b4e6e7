#include "storage/sqlite/sqlite_backend.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <filesystem>
#include <system_error>

#include "core/error.hpp"
#include "storage/sql_stores.hpp"
#include "storage/sqlite/connection_pool.hpp"
#include "storage/sqlite/migrations.hpp"

namespace gatehouse::storage {
template class SqlBackend<sqlite::Connection>;
}  // namespace gatehouse::storage

namespace gatehouse::storage::sqlite {
namespace {

constexpr std::string_view kMemoryPath = ":memory:";


constexpr Query kCreateMigrationsTable{"create_schema_migrations", R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER NOT NULL PRIMARY KEY,
  name       TEXT    NOT NULL,
  applied_at INTEGER NOT NULL
) STRICT)sql"};

constexpr Query kMigrationsTableExists{"schema_migrations_exists",
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"};

constexpr Query kIsMigrationApplied{"is_migration_applied",
    "SELECT 1 FROM schema_migrations WHERE version = ?1"};

constexpr Query kAppliedMigrations{"applied_migrations", "SELECT version FROM schema_migrations"};

constexpr Query kRecordMigration{"record_migration", R"sql(
INSERT INTO schema_migrations (version, name, applied_at)
VALUES (?1, ?2, CAST(strftime('%s', 'now') AS INTEGER)))sql"};

constexpr Query kSchemaVersion{"schema_version",
    "SELECT coalesce(max(version), 0) FROM schema_migrations"};

// One row: the oldest binary allowed (Backend::min_binary_schema). Kept by the migration runner,
// like schema_migrations, so that every release reads it the same way.
constexpr Query kCreateCompatTable{"create_schema_compat", R"sql(
CREATE TABLE IF NOT EXISTS schema_compat (
  id                INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
  min_binary_schema INTEGER NOT NULL
) STRICT)sql"};
constexpr Query kCompatTableExists{"schema_compat_exists",
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_compat'"};
constexpr Query kMinBinarySchema{"min_binary_schema", "SELECT min_binary_schema FROM schema_compat WHERE id = 1"};
constexpr Query kRaiseMinBinarySchema{"raise_min_binary_schema", R"sql(
INSERT INTO schema_compat (id, min_binary_schema) VALUES (1, ?1)
ON CONFLICT (id) DO UPDATE SET min_binary_schema = max(min_binary_schema, excluded.min_binary_schema))sql"};

constexpr Query kPing{"ping", "SELECT count(*) FROM sqlite_master"};

// In-memory databases go through the memdb VFS under a process-unique name: every connection
// opening "file:/gh-mem-<n>?vfs=memdb" shares one database, which disappears with the last
// connection. We do not use "mode=memory&cache=shared": shared-cache mode reports lock conflicts
// as SQLITE_LOCKED, which busy_timeout does not wait on, so concurrent writers fail at once;
// memdb reports SQLITE_BUSY and the busy handler waits as it does for files.
std::string next_memory_uri() {
  static std::atomic<unsigned> counter{0};
  return "file:/gh-mem-" + std::to_string(counter.fetch_add(1) + 1) + "?vfs=memdb";
}

ConnectionSpec connection_spec(const SqliteOptions& options) {
  ConnectionSpec spec;
  spec.busy_timeout = options.busy_timeout;
  spec.label = options.path;
  if (options.path == kMemoryPath) {
    spec.target = next_memory_uri();
    spec.uri = true;
    spec.wal = false;  // WAL needs shared memory between processes; memdb keeps its journal in memory
    return spec;
  }
  if (options.path.empty()) throw StorageError("sqlite: the database path is empty");
  const std::filesystem::path parent = std::filesystem::path(options.path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      throw StorageError("sqlite '" + options.path + "': cannot create directory '" + parent.string() +
                         "': " + ec.message());
    }
  }
  spec.target = options.path;
  return spec;
}

std::unique_ptr<SqlStores<Connection>> open_stores(const SqliteOptions& options) {
  return std::make_unique<SqlStores<Connection>>(
      [spec = connection_spec(options)] { return std::make_unique<Connection>(spec); }, options.pool_size,
      options.busy_timeout, "sqlite '" + options.path + "'");
}

}  // namespace

SqliteBackend::SqliteBackend(const SqliteOptions& options) : SqlBackend(open_stores(options)) {
  // Open one connection now: a bad path fails here, and an in-memory database lives as long as
  // the pool keeps this connection.
  pool().warm_up();
  if (options.path != ":memory:") {
    // Checkpoints move the WAL into the database file and fsync both: here, off the request path,
    // a few times a second. PASSIVE never waits for readers or writers, but under steady load
    // some reader always holds a snapshot inside the WAL, so the WAL is never started again and
    // grows without end (a GiB in a minute of refreshes), and every page lookup walks a larger
    // WAL index. Once it holds more than wal_restart_frames, a RESTART checkpoint waits the moment
    // it takes for current readers to finish, so the next writer starts the WAL from the front.
    auto spec = connection_spec(options);
    checkpointer_ = std::jthread([spec, interval = options.checkpoint_interval,
                                  restart_frames = options.wal_restart_frames](std::stop_token stop) {
      std::mutex m;
      std::condition_variable_any wake;
      std::unique_ptr<Connection> connection;
      while (!stop.stop_requested()) {
        {
          std::unique_lock lock(m);
          wake.wait_for(lock, stop, interval, [] { return false; });
        }
        if (stop.stop_requested()) break;
        try {
          if (!connection) connection = std::make_unique<Connection>(spec);
          const auto state = connection->checkpoint(/*restart=*/false);
          if (state && state->frames > restart_frames) connection->checkpoint(/*restart=*/true);
        } catch (const std::exception&) {
          connection.reset();  // busy or broken: try again next time
        }
      }
    });
  }
}

SqliteBackend::~SqliteBackend() = default;

namespace {

int read_min_binary_schema(Connection& connection) {
  {
    Statement exists(connection, kCompatTableExists);
    if (!exists.step()) return 0;
  }
  Statement min(connection, kMinBinarySchema);
  return min.step() ? static_cast<int>(min.int64(0)) : 0;
}

}  // namespace

int SqliteBackend::migrate() {
  // Unlike PostgreSQL (one transaction under an advisory lock), on purpose: SQLite has one writer,
  // so BEGIN IMMEDIATE already serialises processes, and a migration that fails leaves the earlier
  // ones applied.
  auto connection = pool().acquire();
  {
    Transaction tx(*connection, Transaction::Mode::kImmediate);
    refuse_if_too_old(read_min_binary_schema(*connection), latest_version());
    Statement(*connection, kCreateCompatTable).run();
    Statement raise(*connection, kRaiseMinBinarySchema);
    raise.bind_int(1, kRequiredBinarySchema).run();
    tx.commit();
  }
  int applied = 0;
  for (const Migration& migration : migrations()) {
    Transaction tx(*connection, Transaction::Mode::kImmediate);
    Statement(*connection, kCreateMigrationsTable).run();
    {
      Statement check(*connection, kIsMigrationApplied);
      check.bind_int(1, migration.version);
      if (check.step()) continue;  // applied already (here or by another process): roll back
    }
    connection->exec_script("migration " + std::to_string(migration.version) + "_" +
                                std::string(migration.name),
                            std::string(migration.sql));
    Statement record(*connection, kRecordMigration);
    record.bind_int(1, migration.version).bind_text(2, migration.name).run();
    tx.commit();
    ++applied;
  }
  return applied;
}

std::vector<Migration> SqliteBackend::pending_migrations() {
  auto connection = pool().acquire();
  Transaction tx(*connection, Transaction::Mode::kDeferred);  // one snapshot for both reads
  refuse_if_too_old(read_min_binary_schema(*connection), latest_version());
  std::vector<int> applied;
  bool exists = false;
  {
    Statement table(*connection, kMigrationsTableExists);
    exists = table.step();
  }
  if (exists) {
    Statement versions(*connection, kAppliedMigrations);
    while (versions.step()) applied.push_back(static_cast<int>(versions.int64(0)));
  }
  return not_applied(migrations(), applied);
}

int SqliteBackend::min_binary_schema() {
  auto connection = pool().acquire();
  Transaction tx(*connection, Transaction::Mode::kDeferred);
  return read_min_binary_schema(*connection);
}

int SqliteBackend::schema_version() {
  auto connection = pool().acquire();
  Transaction tx(*connection, Transaction::Mode::kDeferred);
  {
    Statement exists(*connection, kMigrationsTableExists);
    if (!exists.step()) return 0;
  }
  Statement version(*connection, kSchemaVersion);
  version.step();
  return static_cast<int>(version.int64(0));
}

int SqliteBackend::latest_version() { return storage::latest_version(migrations()); }

bool SqliteBackend::ping() noexcept {
  try {
    auto connection = pool().acquire();
    Statement s(*connection, kPing);
    return s.step();
  } catch (...) {
    return false;
  }
}

}  // namespace gatehouse::storage::sqlite
