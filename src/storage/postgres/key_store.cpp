// keys::KeyStore on PostgreSQL: what takes its locks differently from SQLite (storage/key_store.hpp
// has the rest). No check-then-insert: the partial unique indexes decide.
#include "storage/key_store.hpp"

#include "storage/postgres/connection.hpp"

namespace gatehouse::storage {
using namespace postgres;  // this file is the PostgreSQL side of SqlKeyStore
namespace {

// Locks the next key first: a racing rotation waits here, then finds it no longer next.
constexpr Query kLockNextKey{"lock_next_key",
    "SELECT 1 FROM signing_keys WHERE alg = $1 AND kid = $2 AND state = 'next' FOR UPDATE"};

}  // namespace

template <>
bool SqlKeyStore<postgres::Connection>::insert_current_if_none(const keys::StoredKey& key) {
  auto connection = pool_.acquire();
  return run(*connection, key_sql::kInsertCurrent, [&](Params& p) { key_params(p, key); }) == 1;
}

template <>
bool SqlKeyStore<postgres::Connection>::insert_next_if_none(const keys::StoredKey& key) {
  auto connection = pool_.acquire();
  return run(*connection, key_sql::kInsertNext, [&](Params& p) { key_params(p, key); }) == 1;
}

template <>
bool SqlKeyStore<postgres::Connection>::promote_next(const std::string& alg, const std::string& next_kid, UnixSeconds now,
                              UnixSeconds previous_retires_at) {
  if (!is_storable_text(alg) || !is_storable_text(next_kid)) return false;
  auto connection = pool_.acquire();
  Transaction tx(*connection);
  if (connection->execute(kLockNextKey, Params().text(alg).text(next_kid)).empty()) return false;
  // Demote first: the partial unique index allows one current key per algorithm at any moment.
  connection->execute(key_sql::kDemoteCurrent, Params().text(alg).int8(previous_retires_at));
  connection->execute(key_sql::kPromoteNext, Params().text(alg).text(next_kid).int8(now));
  tx.commit();
  return true;
}

template <>
std::string SqlKeyStore<postgres::Connection>::set_key_check_if_absent(const std::string& value) {
  auto connection = pool_.acquire();
  // Two autocommit statements: a conflicting insert waits for the other writer to commit, so the
  // SELECT that follows (a new snapshot) sees the value that won. In one statement it could not.
  connection->execute(settings_sql::kInsertIfAbsent, Params().text(key_sql::kKeyCheckSetting).bytea(value));
  auto stored = stored_key_check(*connection);
  if (!stored) throw StorageError(connection->label() + ": the key check value vanished");
  return *stored;
}

}  // namespace gatehouse::storage
