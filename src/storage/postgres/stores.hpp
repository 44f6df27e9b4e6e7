#pragma once
// What every PostgreSQL store file shares: the pool, the statement helpers and to_sql_count. The
// store classes are declared once for both backends (storage/<port>_store.hpp) except the sign-in
// ones (sign_in_stores.hpp, included here so sign_in_stores.cpp keeps compiling as it is).
// Internal to storage/postgres.
//
// Every store relies on read committed (Transaction spells it out; autocommit statements run at
// the session default, which Connection sets): a statement that waited for a row lock then acts
// on the latest committed row, and the next statement sees everything committed before it began.

#include "storage/postgres/connection_pool.hpp"
#include "storage/sql_count.hpp"
#include "storage/postgres/sign_in_stores.hpp"

namespace gatehouse::storage::postgres {

using storage::to_sql_count;  // sign_in_stores.cpp calls it from this namespace

}  // namespace gatehouse::storage::postgres
