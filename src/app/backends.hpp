#pragma once
// Opening what the configuration names: the store backend and Redis. With wiring.cpp, the only
// code that names concrete backends (DESIGN.md "composition root").

#include <cstddef>
#include <memory>

#include "app/config/config.hpp"
#include "cache/redis_client.hpp"
#include "storage/backend.hpp"

namespace gatehouse::app {

/// The backend `database.url` names, not yet migrated, with a pool of `pool_size` connections.
/// An SQLite database readable by group or others is made private (it holds sealed keys).
std::unique_ptr<storage::Backend> open_backend(const config::Config& config, std::size_t pool_size);
/// open_backend with database.pool_size, migrated. @throws StartupError if this binary is too old
/// for the schema; StorageError if the store cannot be reached.
std::unique_ptr<storage::Backend> open_store(const config::Config& config);
/// cache.redis_url and cache.redis_timeout as client options. @throws StartupError if malformed.
cache::RedisOptions redis_options(const config::Config& config);
/// A Redis client when cache.redis_url is set, else nullptr. Never fails for an unreachable server
/// (the node falls back to the database until it answers).
std::unique_ptr<cache::RedisClient> open_redis(const config::Config& config);

}  // namespace gatehouse::app
