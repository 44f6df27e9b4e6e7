// keys::KeyStore on SQLite: what takes its locks differently from PostgreSQL
// (storage/key_store.hpp has the rest). Each write checks and writes under the database write lock.
#include "storage/key_store.hpp"

#include "core/error.hpp"
#include "storage/sqlite/connection.hpp"

namespace gatehouse::storage {
using namespace sqlite;  // this file is the SQLite side of SqlKeyStore
namespace {

constexpr Query kHasCurrentKey{"has_current_key",
    "SELECT 1 FROM signing_keys WHERE alg = ?1 AND state = 'current' LIMIT 1"};
constexpr Query kHasNextKey{"has_next_key", "SELECT 1 FROM signing_keys WHERE alg = ?1 AND state = 'next' LIMIT 1"};
constexpr Query kIsNextKey{"is_next_key",
    "SELECT 1 FROM signing_keys WHERE alg = ?1 AND kid = ?2 AND state = 'next'"};

// BEGIN IMMEDIATE takes the database write lock before the check, so concurrent callers (other
// connections and other processes alike) run check-and-insert one after another. The partial
// unique index behind `insert_query` backs the check up.
bool insert_if_none(Connection& connection, const Query& has, const Query& insert_query, const keys::StoredKey& key) {
  Transaction tx(connection, Transaction::Mode::kImmediate);
  {
    Statement check(connection, has);
    check.bind_text(1, key.alg);
    if (check.step()) return false;
  }
  const bool inserted = run(connection, insert_query, [&](Binder& p) { key_params(p, key); }) == 1;
  tx.commit();
  return inserted;
}

}  // namespace

template <>
bool SqlKeyStore<sqlite::Connection>::insert_current_if_none(const keys::StoredKey& key) {
  auto connection = pool_.acquire();
  return insert_if_none(*connection, kHasCurrentKey, key_sql::kInsertCurrent, key);
}

template <>
bool SqlKeyStore<sqlite::Connection>::insert_next_if_none(const keys::StoredKey& key) {
  auto connection = pool_.acquire();
  return insert_if_none(*connection, kHasNextKey, key_sql::kInsertNext, key);
}

template <>
bool SqlKeyStore<sqlite::Connection>::promote_next(const std::string& alg, const std::string& next_kid, UnixSeconds now,
                                  UnixSeconds previous_retires_at) {
  auto connection = pool_.acquire();
  Transaction tx(*connection, Transaction::Mode::kImmediate);
  {
    Statement check(*connection, kIsNextKey);
    check.bind_text(1, alg).bind_text(2, next_kid);
    if (!check.step()) return false;
  }
  // Demote first: the partial unique index allows one current key per algorithm at any moment.
  Statement(*connection, key_sql::kDemoteCurrent).bind_text(1, alg).bind_int(2, previous_retires_at).run();
  Statement(*connection, key_sql::kPromoteNext).bind_text(1, alg).bind_text(2, next_kid).bind_int(3, now).run();
  tx.commit();
  return true;
}

template <>
std::string SqlKeyStore<sqlite::Connection>::set_key_check_if_absent(const std::string& value) {
  auto connection = pool_.acquire();
  Transaction tx(*connection, Transaction::Mode::kImmediate);
  run(*connection, settings_sql::kInsertIfAbsent, [&](Binder& p) { p.text(key_sql::kKeyCheckSetting).bytea(value); });
  auto stored = stored_key_check(*connection);
  if (!stored) throw StorageError("sqlite '" + connection->label() + "': key check value vanished");
  tx.commit();
  return *stored;
}

}  // namespace gatehouse::storage
