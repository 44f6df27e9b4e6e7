#pragma once
// The SQLite connection pool: storage::ConnectionPool over sqlite::Connection. Internal to
// storage/sqlite.

#include "storage/connection_pool.hpp"
#include "storage/sqlite/connection.hpp"

namespace gatehouse::storage::sqlite {

using ConnectionPool = storage::ConnectionPool<Connection>;

}  // namespace gatehouse::storage::sqlite
