#pragma once
// keys::KeyStore on SQL (signing keys, and the master key check value kept in settings), declared
// once for both backends. What both do alike is written here once (storage/query.hpp); each
// backend defines the rest, where the two take their locks differently, for its own connection
// type (explicit specializations) in storage/<backend>/key_store.cpp.

#include "core/error.hpp"
#include "keys/key_store.hpp"
#include "storage/connection_pool.hpp"
#include "storage/query.hpp"
#include "storage/settings_store.hpp"

namespace gatehouse::storage {

namespace key_sql {
inline constexpr Query kListActive{"list_active_keys", R"sql(
SELECT kid, alg, state, sealed_private, public_jwk, created_at, activates_at, retires_at
  FROM signing_keys WHERE state <> 'retired' ORDER BY created_at, kid)sql"};
// The partial unique index signing_keys_one_current_per_alg decides (on PostgreSQL alone, without
// a check first: a racing insert waits for the other to commit before it is told "conflict"). A
// duplicate kid is likewise "not inserted". key_params() binds $1 ... $7.
inline constexpr Query kInsertCurrent{"insert_current_key", R"sql(
INSERT INTO signing_keys (kid, alg, state, sealed_private, public_jwk, created_at, activates_at, retires_at)
VALUES ($1, $2, 'current', $3, $4, $5, $6, $7)
ON CONFLICT DO NOTHING)sql"};
// Like kInsertCurrent: signing_keys_one_next_per_alg arbitrates.
inline constexpr Query kInsertNext{"insert_next_key", R"sql(
INSERT INTO signing_keys (kid, alg, state, sealed_private, public_jwk, created_at, activates_at, retires_at)
VALUES ($1, $2, 'next', $3, $4, $5, $6, $7)
ON CONFLICT DO NOTHING)sql"};
inline constexpr Query kDemoteCurrent{"demote_current_key",
    "UPDATE signing_keys SET state = 'previous', retires_at = $2 WHERE alg = $1 AND state = 'current'"};
inline constexpr Query kPromoteNext{"promote_next_key",
    "UPDATE signing_keys SET state = 'current', activates_at = $3 WHERE alg = $1 AND kid = $2 AND state = 'next'"};
inline constexpr Query kRetirePrevious{"retire_previous_keys",
    "UPDATE signing_keys SET state = 'retired' WHERE state = 'previous' AND retires_at <= $1"};
// The master key check value lives in the settings table, under this name.
inline constexpr std::string_view kKeyCheckSetting = "key_check";
}  // namespace key_sql

/// A signing_keys row in kListActive's column order. `Row` is sqlite::Statement or postgres::Row.
template <class Row>
keys::StoredKey key_from_row(const Row& r) {
  const auto state = keys::key_state_from_string(r.text(2));
  if (!state) throw StorageError("signing_keys.state has an unknown value for a key");
  return keys::StoredKey{.kid = r.text(0),
                         .alg = r.text(1),
                         .state = *state,
                         .sealed_private = r.blob(3),
                         .public_jwk = r.text(4),
                         .created_at = r.int64(5),
                         .activates_at = r.int64(6),
                         .retires_at = r.is_null(7) ? std::nullopt : std::optional<UnixSeconds>(r.int64(7))};
}

/// kInsertCurrent's and kInsertNext's parameters. `Params` is postgres::Params or sqlite::Binder.
template <class Params>
void key_params(Params& p, const keys::StoredKey& key) {
  p.text(key.kid)
      .text(key.alg)
      .bytea(key.sealed_private)
      .text(key.public_jwk)
      .int8(key.created_at)
      .int8(key.activates_at)
      .int8(key.retires_at);
}

template <class Connection>
class SqlKeyStore final : public keys::KeyStore {
 public:
  explicit SqlKeyStore(ConnectionPool<Connection>& pool) : pool_(pool) {}

  std::vector<keys::StoredKey> list_active() override {
    auto connection = pool_.acquire();
    std::vector<keys::StoredKey> keys;
    for_each_row(*connection, key_sql::kListActive, kNoParams,
                 [&](const auto& row) { keys.push_back(key_from_row(row)); });
    return keys;
  }

  bool insert_current_if_none(const keys::StoredKey& key) override;
  bool insert_next_if_none(const keys::StoredKey& key) override;
  bool promote_next(const std::string& alg, const std::string& next_kid, UnixSeconds now,
                    UnixSeconds previous_retires_at) override;

  std::size_t retire_previous(UnixSeconds now) override {
    auto connection = pool_.acquire();
    return static_cast<std::size_t>(run(*connection, key_sql::kRetirePrevious, [&](auto& p) { p.int8(now); }));
  }

  std::optional<std::string> key_check() override {
    auto connection = pool_.acquire();
    return stored_key_check(*connection);
  }

  std::string set_key_check_if_absent(const std::string& value) override;

 private:
  static std::optional<std::string> stored_key_check(Connection& connection) {
    return first_row(
        connection, settings_sql::kSelect, [](auto& p) { p.text(key_sql::kKeyCheckSetting); },
        [](const auto& row) { return row.blob(0); });
  }

  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
