#include "storage/key_store.hpp"

#include "core/error.hpp"
#include "storage/sqlite/connection.hpp"

namespace gatehouse::storage {
using namespace sqlite;  // this file is the SQLite side of SqlKeyStore
namespace {

constexpr Query kListActiveKeys{"list_active_keys", R"sql(
SELECT kid, alg, state, sealed_private, public_jwk, created_at, activates_at, retires_at
  FROM signing_keys WHERE state <> 'retired' ORDER BY created_at, kid)sql"};

constexpr Query kHasCurrentKey{"has_current_key",
    "SELECT 1 FROM signing_keys WHERE alg = ?1 AND state = 'current' LIMIT 1"};

// The partial unique index signing_keys_one_current_per_alg backs up the check in
// insert_current_if_none; a duplicate kid is likewise "not inserted".
constexpr Query kInsertCurrentKey{"insert_current_key", R"sql(
INSERT INTO signing_keys (kid, alg, state, sealed_private, public_jwk, created_at, activates_at, retires_at)
VALUES (?1, ?2, 'current', ?3, ?4, ?5, ?6, ?7)
ON CONFLICT DO NOTHING)sql"};

constexpr Query kInsertNextKey{"insert_next_key", R"sql(
INSERT INTO signing_keys (kid, alg, state, sealed_private, public_jwk, created_at, activates_at, retires_at)
VALUES (?1, ?2, 'next', ?3, ?4, ?5, ?6, ?7)
ON CONFLICT DO NOTHING)sql"};
constexpr Query kHasNextKey{"has_next_key", "SELECT 1 FROM signing_keys WHERE alg = ?1 AND state = 'next' LIMIT 1"};
constexpr Query kIsNextKey{"is_next_key",
    "SELECT 1 FROM signing_keys WHERE alg = ?1 AND kid = ?2 AND state = 'next'"};
constexpr Query kDemoteCurrent{"demote_current_key",
    "UPDATE signing_keys SET state = 'previous', retires_at = ?2 WHERE alg = ?1 AND state = 'current'"};
constexpr Query kPromoteNext{"promote_next_key",
    "UPDATE signing_keys SET state = 'current', activates_at = ?3 WHERE alg = ?1 AND kid = ?2 AND state = 'next'"};
constexpr Query kRetirePrevious{"retire_previous_keys",
    "UPDATE signing_keys SET state = 'retired' WHERE state = 'previous' AND retires_at <= ?1"};

constexpr Query kSelectSetting{"select_setting", "SELECT value FROM settings WHERE name = ?1"};

constexpr Query kInsertSettingIfAbsent{"insert_setting_if_absent",
    "INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING"};

constexpr std::string_view kKeyCheckSetting = "key_check";

keys::StoredKey read_key(const Statement& row) {
  keys::StoredKey key;
  key.kid = row.text(0);
  key.alg = row.text(1);
  const std::string state = row.text(2);
  const auto parsed = keys::key_state_from_string(state);
  if (!parsed) throw StorageError("sqlite: signing_keys.state has an unknown value for a key");
  key.state = *parsed;
  key.sealed_private = row.blob(3);
  key.public_jwk = row.text(4);
  key.created_at = row.int64(5);
  key.activates_at = row.int64(6);
  if (!row.is_null(7)) key.retires_at = row.int64(7);
  return key;
}

std::optional<std::string> select_key_check(Connection& connection) {
  Statement s(connection, kSelectSetting);
  s.bind_text(1, kKeyCheckSetting);
  if (!s.step()) return std::nullopt;
  return s.blob(0);
}

}  // namespace

template <>
std::vector<keys::StoredKey> SqlKeyStore<sqlite::Connection>::list_active() {
  auto connection = pool_.acquire();
  Statement s(*connection, kListActiveKeys);
  std::vector<keys::StoredKey> keys;
  while (s.step()) keys.push_back(read_key(s));
  return keys;
}

namespace {

// BEGIN IMMEDIATE takes the database write lock before the check, so concurrent callers (other
// connections and other processes alike) run check-and-insert one after another.
bool insert_if_none(Connection& connection, const Query& has, const Query& insert_query, const keys::StoredKey& key) {
  Transaction tx(connection, Transaction::Mode::kImmediate);
  {
    Statement check(connection, has);
    check.bind_text(1, key.alg);
    if (check.step()) return false;
  }
  Statement insert(connection, insert_query);
  insert.bind_text(1, key.kid)
      .bind_text(2, key.alg)
      .bind_blob(3, key.sealed_private)
      .bind_text(4, key.public_jwk)
      .bind_int(5, key.created_at)
      .bind_int(6, key.activates_at);
  if (key.retires_at) {
    insert.bind_int(7, *key.retires_at);
  } else {
    insert.bind_null(7);
  }
  insert.run();
  const bool inserted = connection.changes() == 1;
  tx.commit();
  return inserted;
}

}  // namespace

template <>
bool SqlKeyStore<sqlite::Connection>::insert_current_if_none(const keys::StoredKey& key) {
  auto connection = pool_.acquire();
  return insert_if_none(*connection, kHasCurrentKey, kInsertCurrentKey, key);
}

template <>
bool SqlKeyStore<sqlite::Connection>::insert_next_if_none(const keys::StoredKey& key) {
  auto connection = pool_.acquire();
  return insert_if_none(*connection, kHasNextKey, kInsertNextKey, key);
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
  Statement(*connection, kDemoteCurrent).bind_text(1, alg).bind_int(2, previous_retires_at).run();
  Statement(*connection, kPromoteNext).bind_text(1, alg).bind_text(2, next_kid).bind_int(3, now).run();
  tx.commit();
  return true;
}

template <>
std::size_t SqlKeyStore<sqlite::Connection>::retire_previous(UnixSeconds now) {
  auto connection = pool_.acquire();
  Statement s(*connection, kRetirePrevious);
  s.bind_int(1, now).run();
  return static_cast<std::size_t>(connection->changes());
}

template <>
std::optional<std::string> SqlKeyStore<sqlite::Connection>::key_check() {
  auto connection = pool_.acquire();
  return select_key_check(*connection);
}

template <>
std::string SqlKeyStore<sqlite::Connection>::set_key_check_if_absent(const std::string& value) {
  auto connection = pool_.acquire();
  Transaction tx(*connection, Transaction::Mode::kImmediate);
  {
    Statement insert(*connection, kInsertSettingIfAbsent);
    insert.bind_text(1, kKeyCheckSetting).bind_blob(2, value).run();
  }
  auto stored = select_key_check(*connection);
  if (!stored) throw StorageError("sqlite '" + connection->label() + "': key check value vanished");
  tx.commit();
  return *stored;
}

}  // namespace gatehouse::storage
