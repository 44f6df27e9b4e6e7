// client::ClientStore on SQLite: the listing and the update, which checks the SAML entityID's
// holder under the write lock (storage/client_store.hpp has the rest).
#include "storage/client_store.hpp"

#include "storage/sql_count.hpp"
#include "storage/sqlite/connection.hpp"

namespace gatehouse::storage {
using namespace sqlite;  // this file is the SQLite side of SqlClientStore

template <>
client::ClientPage SqlClientStore<sqlite::Connection>::list(std::size_t offset, std::size_t limit) {
  auto connection = pool_.acquire();
  // One read transaction so the total and the page come from the same snapshot.
  Transaction tx(*connection, Transaction::Mode::kDeferred);
  client::ClientPage page;
  {
    Statement count(*connection, client_sql::kCount);
    count.step();
    page.total = static_cast<std::size_t>(count.int64(0));
  }
  if (limit > 0 && offset < page.total) {
    Statement s(*connection, client_sql::kList.sqlite);
    s.bind_int(1, to_sql_count(limit)).bind_int(2, to_sql_count(offset));
    while (s.step()) page.items.push_back(client_from_row(s));
  }
  tx.commit();
  return page;
}

template <>
client::UpdateResult SqlClientStore<sqlite::Connection>::update(const client::Client& client) {
  auto connection = pool_.acquire();
  // Under the write lock: the entityID's holder cannot change between the check and the write.
  Transaction tx(*connection, Transaction::Mode::kImmediate);
  if (!client.saml_entity_id.empty()) {
    Statement owner(*connection, client_sql::kEntityOwner);
    owner.bind_text(1, client.saml_entity_id);
    if (owner.step() && owner.text(0) != client.client_id) return client::UpdateResult::kEntityIdTaken;
  }
  if (run(*connection, client_sql::kUpdate.sqlite, [&](Binder& p) { client_params(p, client); }) == 1) {
    tx.commit();
    return client::UpdateResult::kOk;
  }
  Statement s(*connection, client_sql::kExists);
  s.bind_text(1, client.client_id);
  return s.step() ? client::UpdateResult::kStale : client::UpdateResult::kNotFound;
}

}  // namespace gatehouse::storage
