#include "app/backends.hpp"

#include <sys/stat.h>

#include "core/error.hpp"
#include "core/log.hpp"
#include "storage/postgres/postgres_backend.hpp"
#include "storage/sqlite/sqlite_backend.hpp"

namespace gatehouse::app {
namespace {

/// The database holds sealed keys and secret hashes. New files are private (umask in main); an
/// older database that is readable by group or others is made private, with its WAL and SHM files.
void restrict_permissions(const std::string& path) {
  if (path == ":memory:") return;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || (st.st_mode & 077) == 0) return;
  for (const auto& f : {path, path + "-wal", path + "-shm"}) ::chmod(f.c_str(), 0600);
  spdlog::warn("database {} was readable by group or others; its files are now mode 0600", path);
}

}  // namespace

std::unique_ptr<storage::Backend> open_backend(const config::Config& config, std::size_t pool_size) {
  if (config.database.is_postgres()) {
    storage::postgres::PostgresOptions options;
    options.url = config.database.url;
    options.pool_size = pool_size;
    options.timeout = config.database.busy_timeout;
    return std::make_unique<storage::postgres::PostgresBackend>(options);
  }
  storage::sqlite::SqliteOptions options;
  options.path = config.database.sqlite_path();
  options.pool_size = pool_size;
  options.busy_timeout = config.database.busy_timeout;
  auto backend = std::make_unique<storage::sqlite::SqliteBackend>(options);
  restrict_permissions(options.path);
  return backend;
}

std::unique_ptr<storage::Backend> open_store(const config::Config& config) {
  auto backend = open_backend(config, static_cast<std::size_t>(config.database.effective_pool_size()));
  int applied = backend->migrate();  // refuses a binary too old for the schema (StartupError)
  const int version = backend->schema_version();
  if (applied > 0) spdlog::info("applied {} schema migration(s); schema version {}", applied, version);
  if (version > backend->known_version())
    spdlog::warn("the database schema (version {}) is newer than this binary knows ({}); it still allows this binary, "
                 "as during a rolling upgrade: upgrade this node soon", version, backend->known_version());
  return backend;
}

cache::RedisOptions redis_options(const config::Config& c) {
  std::string error;
  auto options = cache::parse_redis_url(c.cache.redis_url, error);
  if (!options) throw StartupError("cache.redis_url: " + error);
  options->timeout = c.cache.redis_timeout;
  return *options;
}

std::unique_ptr<cache::RedisClient> open_redis(const config::Config& c) {
  if (c.cache.redis_url.empty()) return nullptr;
  auto redis = std::make_unique<cache::RedisClient>(redis_options(c));
  if (redis->command({"PING"}))
    spdlog::info("redis {}: counters and change notices go through it", redis->label());
  else
    spdlog::warn("redis {} does not answer yet: using the database until it does", redis->label());
  return redis;
}

}  // namespace gatehouse::app
