#include "storage/postgres/postgres_backend.hpp"

#include <algorithm>
#include <atomic>
#include <memory>
#include <vector>

#include <poll.h>

#include <cerrno>
#include <libpq-fe.h>

#include "core/error.hpp"
#include "core/log.hpp"
#include "storage/postgres/migrations.hpp"
#include "storage/postgres/connection_pool.hpp"
#include "storage/sql_stores.hpp"

namespace gatehouse::storage {
template class SqlBackend<postgres::Connection>;
}  // namespace gatehouse::storage

namespace gatehouse::storage::postgres {
namespace {

// pg_advisory_xact_lock key of schema changes (migrations, creating the schema): one fixed
// 64-bit value ("gatehous" in ASCII), shared by every Gatehouse process on the database.
#define GH_SCHEMA_LOCK "7449363237540164979"
constexpr Query kSchemaLock{"schema_lock", "SELECT pg_advisory_xact_lock(" GH_SCHEMA_LOCK ")"};
#undef GH_SCHEMA_LOCK

constexpr std::string_view kCreateMigrationsTable = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    integer     NOT NULL PRIMARY KEY,
  name       text        NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
))sql";
constexpr Query kAppliedMigrations{"applied_migrations", "SELECT version FROM schema_migrations"};
constexpr Query kRecordMigration{"record_migration", "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)"};
// to_regclass resolves through search_path, like the queries that follow.
constexpr Query kMigrationsTableExists{"schema_migrations_exists",
    "SELECT to_regclass('schema_migrations') IS NOT NULL"};
constexpr Query kSchemaVersion{"schema_version", "SELECT coalesce(max(version), 0) FROM schema_migrations"};
// One row: the oldest binary allowed (Backend::min_binary_schema), kept by the migration runner.
constexpr std::string_view kCreateCompatTable = R"sql(
CREATE TABLE IF NOT EXISTS schema_compat (
  id                integer NOT NULL PRIMARY KEY CHECK (id = 1),
  min_binary_schema integer NOT NULL
))sql";
constexpr Query kCompatTableExists{"schema_compat_exists", "SELECT to_regclass('schema_compat') IS NOT NULL"};
constexpr Query kMinBinarySchema{"min_binary_schema", "SELECT min_binary_schema FROM schema_compat WHERE id = 1"};
constexpr Query kRaiseMinBinarySchema{"raise_min_binary_schema", R"sql(
INSERT INTO schema_compat (id, min_binary_schema) VALUES (1, $1)
ON CONFLICT (id) DO UPDATE SET min_binary_schema = greatest(schema_compat.min_binary_schema, excluded.min_binary_schema))sql"};
constexpr Query kSchemaExists{"schema_exists", "SELECT 1 FROM pg_namespace WHERE nspname = $1"};

ConnectionSpec connection_spec(const PostgresOptions& options) {
  if (options.url.empty()) throw StorageError("postgres: the connection URL is empty");
  ConnectionSpec spec;
  spec.url = options.url;
  spec.label = describe_server(spec.url);
  spec.losses = std::make_shared<std::atomic<std::uint64_t>>(0);
  if (!options.schema.empty()) spec.search_path = quote_identifier(options.schema);
  spec.connect_timeout = options.timeout;
  return spec;
}

}  // namespace

struct PostgresBackend::Impl {
  ConnectionSpec spec;
};

PostgresBackend::PostgresBackend(const PostgresOptions& options)
    : PostgresBackend(options, std::make_unique<Impl>(Impl{connection_spec(options)})) {}

PostgresBackend::PostgresBackend(const PostgresOptions& options, std::unique_ptr<Impl> impl)
    : SqlBackend(std::make_unique<SqlStores<Connection>>([spec = impl->spec] { return std::make_unique<Connection>(spec); },
                                                         options.pool_size, options.timeout, impl->spec.label)),
      impl_(std::move(impl)) {
  const ConnectionSpec& spec = impl_->spec;
  auto connection = pool().acquire();
  if (options.schema.empty()) return;
  // Checked first so a role without CREATE on the database can use a schema made for it.
  if (!connection->execute(kSchemaExists, Params().text(options.schema)).empty()) return;
  // Under the schema lock: concurrent CREATE SCHEMA IF NOT EXISTS can still fail on the catalog's
  // unique index when two sessions race.
  Transaction tx(*connection);
  connection->execute(kSchemaLock);
  connection->exec_script("create schema", "CREATE SCHEMA IF NOT EXISTS " + spec.search_path);
  tx.commit();
}

PostgresBackend::~PostgresBackend() = default;

void PostgresBackend::notify_on_events(std::function<void()> wake) {
  listener_ = std::jthread([spec = impl_->spec, wake = std::move(wake)](std::stop_token stop) {
    PGconn* conn = nullptr;
    bool listened = false;  // a LISTEN was in place: losing it is a connection loss
    auto close = [&] {
      if (conn != nullptr) PQfinish(conn);
      conn = nullptr;
      if (listened) ++*spec.losses;
      listened = false;
    };
    const ConnectOptions connect(spec);
    bool reported = false;
    while (!stop.stop_requested()) {
      if (conn == nullptr) {
        conn = PQconnectdbParams(connect.keywords, connect.values, /*expand_dbname=*/1);
        if (conn != nullptr) quiet_notices(conn);
        PGresult* r = PQstatus(conn) == CONNECTION_OK ? PQexec(conn, "LISTEN gatehouse_events") : nullptr;
        const bool ok = r != nullptr && PQresultStatus(r) == PGRES_COMMAND_OK;
        if (r != nullptr) PQclear(r);
        if (!ok) {
          if (!reported) spdlog::warn("{}: cannot listen for cluster events; polling until it can", spec.label);
          reported = true;
          close();
          for (int i = 0; i < 10 && !stop.stop_requested(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
          continue;
        }
        if (reported) spdlog::info("{}: listening for cluster events again", spec.label);
        reported = false;
        listened = true;
        wake();  // whatever was missed while not listening
      }
      pollfd fd{PQsocket(conn), POLLIN, 0};
      const int ready = ::poll(&fd, 1, 200);  // wakes to see the stop request
      if (ready < 0 && errno != EINTR) close();
      if (ready <= 0) continue;
      if (PQconsumeInput(conn) == 0) {
        close();
        continue;
      }
      bool any = false;
      while (PGnotify* n = PQnotifies(conn)) {
        any = true;
        PQfreemem(n);
      }
      if (any) wake();
    }
    listened = false;  // stopping is no loss
    close();
  });
}

std::uint64_t PostgresBackend::connection_losses() const noexcept { return impl_->spec.losses->load(); }

namespace {

int read_min_binary_schema(Connection& connection) {
  if (!connection.execute(kCompatTableExists).row(0).boolean(0)) return 0;
  const auto result = connection.execute(kMinBinarySchema);
  return result.rows() > 0 ? static_cast<int>(result.row(0).int8(0)) : 0;
}

}  // namespace

int PostgresBackend::min_binary_schema() {
  auto connection = pool().acquire();
  return read_min_binary_schema(*connection);
}

int PostgresBackend::migrate() {
  auto connection = pool().acquire();
  Transaction tx(*connection);
  connection->execute(kSchemaLock);
  // Everything from here runs after the lock is ours, so it sees what an earlier holder committed.
  refuse_if_too_old(read_min_binary_schema(*connection), latest_version());
  connection->exec_script("create schema_compat", std::string(kCreateCompatTable));
  connection->execute(kRaiseMinBinarySchema, Params().int8(kRequiredBinarySchema));
  connection->exec_script("create schema_migrations", std::string(kCreateMigrationsTable));
  std::vector<int> applied;
  {
    const auto result = connection->execute(kAppliedMigrations);
    for (int i = 0; i < result.rows(); ++i) applied.push_back(static_cast<int>(result.row(i).int8(0)));
  }
  int count = 0;
  for (const Migration& migration : migrations()) {
    if (std::find(applied.begin(), applied.end(), migration.version) != applied.end()) continue;
    const std::string name = std::to_string(migration.version) + "_" + std::string(migration.name);
    connection->exec_script("migration " + name, std::string(migration.sql));
    connection->execute(kRecordMigration, Params().int8(migration.version).text(migration.name));
    ++count;
  }
  tx.commit();
  return count;
}

std::vector<Migration> PostgresBackend::pending_migrations() {
  auto connection = pool().acquire();
  refuse_if_too_old(read_min_binary_schema(*connection), latest_version());
  std::vector<int> applied;
  if (connection->execute(kMigrationsTableExists).row(0).boolean(0)) {
    const auto result = connection->execute(kAppliedMigrations);
    for (int i = 0; i < result.rows(); ++i) applied.push_back(static_cast<int>(result.row(i).int8(0)));
  }
  return not_applied(migrations(), applied);
}

int PostgresBackend::schema_version() {
  auto connection = pool().acquire();
  if (!connection->execute(kMigrationsTableExists).row(0).boolean(0)) return 0;
  return static_cast<int>(connection->execute(kSchemaVersion).row(0).int8(0));
}

int PostgresBackend::latest_version() { return storage::latest_version(migrations()); }

bool PostgresBackend::ping() noexcept {
  try {
    const auto started = std::chrono::steady_clock::now();
    auto connection = pool().acquire();
    const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    return connection->ping(std::max(pool().wait() - spent, std::chrono::milliseconds(1)));
  } catch (...) {
    return false;
  }
}

}  // namespace gatehouse::storage::postgres
