// client::ClientStore on PostgreSQL: the listing and the update, each one statement; the unique
// index on saml_entity_id refuses an update that would share an entityID (storage/client_store.hpp
// has the rest).
#include "storage/client_store.hpp"

#include "storage/postgres/connection.hpp"
#include "storage/sql_count.hpp"

namespace gatehouse::storage {
using namespace postgres;  // this file is the PostgreSQL side of SqlClientStore

template <>
client::ClientPage SqlClientStore<postgres::Connection>::list(std::size_t offset, std::size_t limit) {
  auto connection = pool_.acquire();
  const auto result =
      connection->execute(client_sql::kList.postgres, Params().int8(to_sql_count(limit)).int8(to_sql_count(offset)));
  client::ClientPage page;
  for (int i = 0; i < result.rows(); ++i) {
    const Row row = result.row(i);
    page.total = static_cast<std::size_t>(row.int8(0));
    if (!row.is_null(1)) page.items.push_back(client_from_row(row, 1));
  }
  return page;
}

template <>
client::UpdateResult SqlClientStore<postgres::Connection>::update(const client::Client& client) {
  auto connection = pool_.acquire();
  Params params;
  try {
    const auto result = connection->execute(client_sql::kUpdate.postgres, client_params(params, client));
    if (result.row(0).int8(0) == 1) return client::UpdateResult::kOk;
    return result.row(0).boolean(1) ? client::UpdateResult::kStale : client::UpdateResult::kNotFound;
  } catch (const PgError& e) {
    // No check-then-write: the unique index decides, also between two nodes writing at once.
    if (e.sqlstate() == kUniqueViolation && e.constraint() == client_sql::kEntityIdIndex)
      return client::UpdateResult::kEntityIdTaken;
    throw;
  }
}

}  // namespace gatehouse::storage
