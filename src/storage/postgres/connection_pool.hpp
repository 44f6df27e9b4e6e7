#pragma once
// The PostgreSQL connection pool: storage::ConnectionPool over postgres::Connection. A connection
// that broke (the server restarted, an administrator ended it, the network dropped it) is
// discarded and a new one is opened on a later acquire, so the node heals without a restart.
// Internal to storage/postgres.

#include "storage/connection_pool.hpp"
#include "storage/postgres/connection.hpp"

namespace gatehouse::storage::postgres {

using ConnectionPool = storage::ConnectionPool<Connection>;

}  // namespace gatehouse::storage::postgres
