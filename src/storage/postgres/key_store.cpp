// keys::KeyStore on PostgreSQL (signing keys, and the master key check value kept in settings).
#include "storage/key_store.hpp"

#include "storage/postgres/connection.hpp"

namespace gatehouse::storage {
using namespace postgres;  // this file is the PostgreSQL side of SqlKeyStore
namespace {

constexpr Query kListActiveKeys{"list_active_keys", R"sql(
SELECT kid, alg, state, sealed_private, public_jwk, created_at, activates_at, retires_at
  FROM signing_keys WHERE state <> 'retired' ORDER BY created_at, kid)sql"};

// No check-then-insert: the partial unique index signing_keys_one_current_per_alg decides, and a
// racing insert waits for the other to commit before it is told "conflict". A duplicate kid is
// likewise "not inserted".
constexpr Query kInsertCurrentKey{"insert_current_key", R"sql(
INSERT INTO signing_keys (kid, alg, state, sealed_private, public_jwk, created_at, activates_at, retires_at)
VALUES ($1, $2, 'current', $3, $4, $5, $6, $7)
ON CONFLICT DO NOTHING)sql"};

// Like kInsertCurrentKey: signing_keys_one_next_per_alg arbitrates.
constexpr Query kInsertNextKey{"insert_next_key", R"sql(
INSERT INTO signing_keys (kid, alg, state, sealed_private, public_jwk, created_at, activates_at, retires_at)
VALUES ($1, $2, 'next', $3, $4, $5, $6, $7)
ON CONFLICT DO NOTHING)sql"};
// Locks the next key first: a racing rotation waits here, then finds it no longer next.
constexpr Query kLockNextKey{"lock_next_key",
    "SELECT 1 FROM signing_keys WHERE alg = $1 AND kid = $2 AND state = 'next' FOR UPDATE"};
constexpr Query kDemoteCurrent{"demote_current_key",
    "UPDATE signing_keys SET state = 'previous', retires_at = $2 WHERE alg = $1 AND state = 'current'"};
constexpr Query kPromoteNext{"promote_next_key",
    "UPDATE signing_keys SET state = 'current', activates_at = $3 WHERE alg = $1 AND kid = $2 AND state = 'next'"};
constexpr Query kRetirePrevious{"retire_previous_keys",
    "UPDATE signing_keys SET state = 'retired' WHERE state = 'previous' AND retires_at <= $1"};

// The master key check value lives in the settings table, under the name 'key_check'.
constexpr Query kSelectKeyCheck{"select_key_check", "SELECT value FROM settings WHERE name = 'key_check'"};
constexpr Query kInsertKeyCheckIfAbsent{"insert_key_check_if_absent",
    "INSERT INTO settings (name, value) VALUES ('key_check', $1) ON CONFLICT (name) DO NOTHING"};

keys::StoredKey read_key(const Row& r) {
  keys::StoredKey key;
  key.kid = r.text(0);
  key.alg = r.text(1);
  const auto state = keys::key_state_from_string(r.text(2));
  if (!state) throw StorageError("postgres: signing_keys.state has an unknown value for a key");
  key.state = *state;
  key.sealed_private = r.text(3);
  key.public_jwk = r.text(4);
  key.created_at = r.int8(5);
  key.activates_at = r.int8(6);
  key.retires_at = r.optional_int8(7);
  return key;
}

std::optional<std::string> select_key_check(Connection& connection) {
  const auto result = connection.execute(kSelectKeyCheck);
  return result.empty() ? std::nullopt : std::optional<std::string>(result.row(0).text(0));
}

}  // namespace

template <>
std::vector<keys::StoredKey> SqlKeyStore<postgres::Connection>::list_active() {
  auto connection = pool_.acquire();
  const auto result = connection->execute(kListActiveKeys);
  std::vector<keys::StoredKey> keys;
  for (int i = 0; i < result.rows(); ++i) keys.push_back(read_key(result.row(i)));
  return keys;
}

namespace {
Params key_params(const keys::StoredKey& key) {
  Params params;
  params.text(key.kid)
      .text(key.alg)
      .bytea(key.sealed_private)
      .text(key.public_jwk)
      .int8(key.created_at)
      .int8(key.activates_at)
      .int8(key.retires_at);
  return params;
}
}  // namespace

template <>
bool SqlKeyStore<postgres::Connection>::insert_current_if_none(const keys::StoredKey& key) {
  auto connection = pool_.acquire();
  return connection->execute(kInsertCurrentKey, key_params(key)).affected() == 1;
}

template <>
bool SqlKeyStore<postgres::Connection>::insert_next_if_none(const keys::StoredKey& key) {
  auto connection = pool_.acquire();
  return connection->execute(kInsertNextKey, key_params(key)).affected() == 1;
}

template <>
bool SqlKeyStore<postgres::Connection>::promote_next(const std::string& alg, const std::string& next_kid, UnixSeconds now,
                              UnixSeconds previous_retires_at) {
  if (!is_storable_text(alg) || !is_storable_text(next_kid)) return false;
  auto connection = pool_.acquire();
  Transaction tx(*connection);
  if (connection->execute(kLockNextKey, Params().text(alg).text(next_kid)).empty()) return false;
  // Demote first: the partial unique index allows one current key per algorithm at any moment.
  connection->execute(kDemoteCurrent, Params().text(alg).int8(previous_retires_at));
  connection->execute(kPromoteNext, Params().text(alg).text(next_kid).int8(now));
  tx.commit();
  return true;
}

template <>
std::size_t SqlKeyStore<postgres::Connection>::retire_previous(UnixSeconds now) {
  auto connection = pool_.acquire();
  return static_cast<std::size_t>(connection->execute(kRetirePrevious, Params().int8(now)).affected());
}

template <>
std::optional<std::string> SqlKeyStore<postgres::Connection>::key_check() {
  auto connection = pool_.acquire();
  return select_key_check(*connection);
}

template <>
std::string SqlKeyStore<postgres::Connection>::set_key_check_if_absent(const std::string& value) {
  auto connection = pool_.acquire();
  // Two autocommit statements: a conflicting insert waits for the other writer to commit, so the
  // SELECT that follows (a new snapshot) sees the value that won. In one statement it could not.
  connection->execute(kInsertKeyCheckIfAbsent, Params().bytea(value));
  auto stored = select_key_check(*connection);
  if (!stored) throw StorageError(connection->label() + ": the key check value vanished");
  return *stored;
}

}  // namespace gatehouse::storage
