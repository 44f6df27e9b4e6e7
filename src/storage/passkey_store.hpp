#pragma once
// mfa::PasskeyStore on SQL (passkeys), written once for both backends (storage/query.hpp). The
// user's label and the transports are any bytes (bytea on PostgreSQL, TEXT on SQLite).

#include "mfa/passkey_store.hpp"
#include "storage/connection_pool.hpp"
#include "storage/query.hpp"

namespace gatehouse::storage {

namespace passkey_sql {
// The column order every query shares; passkey_from_row() and passkey_params() depend on it.
#define GH_PASSKEY_COLUMNS                                                                                   \
  "credential_id, user_id, name, public_key, algorithm, sign_count, user_verified, backup_eligible, "      \
  "backup_state, discoverable, transports, aaguid, flagged, created_at, last_used_at"
// A taken credential id (of any user) changes nothing: a racing second insert waits for the first
// (PostgreSQL) and then does nothing.
inline constexpr Query kInsert{"insert_passkey", "INSERT INTO passkeys (" GH_PASSKEY_COLUMNS R"sql()
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
ON CONFLICT (credential_id) DO NOTHING)sql"};
inline constexpr Query kFind{"find_passkey", "SELECT " GH_PASSKEY_COLUMNS " FROM passkeys WHERE credential_id = $1"};
inline constexpr Query kListUser{"list_user_passkeys",
    "SELECT " GH_PASSKEY_COLUMNS " FROM passkeys WHERE user_id = $1 ORDER BY created_at, credential_id"};
#undef GH_PASSKEY_COLUMNS
// Compare-and-set on the signature counter: of racers that read the same count, one changes the row.
inline constexpr Query kRecordUse{"record_passkey_use", R"sql(
UPDATE passkeys SET sign_count = $3, backup_state = $4, last_used_at = $5
 WHERE credential_id = $1 AND sign_count = $2 AND NOT flagged)sql"};
inline constexpr Query kFlag{"flag_passkey", "UPDATE passkeys SET flagged = TRUE WHERE credential_id = $1 AND sign_count = $2"};
inline constexpr Query kRename{"rename_passkey",
    "UPDATE passkeys SET name = $3 WHERE user_id = $1 AND credential_id = $2"};
inline constexpr Query kRemove{"remove_passkey", "DELETE FROM passkeys WHERE user_id = $1 AND credential_id = $2"};
inline constexpr Query kRemoveAll{"remove_user_passkeys", "DELETE FROM passkeys WHERE user_id = $1"};
}  // namespace passkey_sql

/// A passkeys row in passkey_sql's column order. `Row` is sqlite::Statement or postgres::Row.
template <class Row>
mfa::Passkey passkey_from_row(const Row& r) {
  mfa::Passkey k;
  k.credential_id = r.text(0);
  k.user_id = r.text(1);
  k.name = r.text(2);
  k.public_key = r.blob(3);
  k.algorithm = static_cast<int>(r.int64(4));
  k.sign_count = r.int64(5);
  k.user_verified = r.boolean(6);
  k.backup_eligible = r.boolean(7);
  k.backup_state = r.boolean(8);
  k.discoverable = r.boolean(9);
  k.transports = r.text(10);
  k.aaguid = r.text(11);
  k.flagged = r.boolean(12);
  k.created_at = r.int64(13);
  k.last_used_at = r.int64(14);
  return k;
}

/// The same columns as parameters $1 ... $15. `Params` is postgres::Params or sqlite::Binder.
template <class Params>
Params& passkey_params(Params& p, const mfa::Passkey& k) {
  return p.text(k.credential_id)
      .text(k.user_id)
      .any_text(k.name)
      .bytea(k.public_key)
      .int8(k.algorithm)
      .int8(k.sign_count)
      .boolean(k.user_verified)
      .boolean(k.backup_eligible)
      .boolean(k.backup_state)
      .boolean(k.discoverable)
      .any_text(k.transports)
      .text(k.aaguid)
      .boolean(k.flagged)
      .int8(k.created_at)
      .int8(k.last_used_at);
}

template <class Connection>
class SqlPasskeyStore final : public mfa::PasskeyStore {
 public:
  explicit SqlPasskeyStore(ConnectionPool<Connection>& pool) : pool_(pool) {}

  /// Also false, writing nothing, for a credential id, user id or AAGUID that cannot be stored
  /// (PostgreSQL text: UTF-8 without zero bytes); the caller encodes them, so none reaches here.
  bool insert(const mfa::Passkey& k) override {
    if (!storable(k.credential_id) || !storable(k.user_id) || !storable(k.aaguid)) return false;
    auto connection = pool_.acquire();
    return run(*connection, passkey_sql::kInsert, [&](auto& p) { passkey_params(p, k); }) == 1;
  }

  std::optional<mfa::Passkey> find(const std::string& credential_id) override {
    if (!storable(credential_id)) return std::nullopt;  // from the browser's answer, unvalidated
    auto connection = pool_.acquire();
    return first_row(
        *connection, passkey_sql::kFind, [&](auto& p) { p.text(credential_id); },
        [](const auto& row) { return passkey_from_row(row); });
  }

  std::vector<mfa::Passkey> list_user(const std::string& user_id) override {
    std::vector<mfa::Passkey> out;
    if (!storable(user_id)) return out;
    auto connection = pool_.acquire();
    for_each_row(
        *connection, passkey_sql::kListUser, [&](auto& p) { p.text(user_id); },
        [&](const auto& row) { out.push_back(passkey_from_row(row)); });
    return out;
  }

  bool record_use(const std::string& credential_id, std::int64_t expected_count, std::int64_t new_count,
                  bool backup_state, UnixSeconds now) override {
    if (!storable(credential_id)) return false;
    auto connection = pool_.acquire();
    return run(*connection, passkey_sql::kRecordUse, [&](auto& p) {
             p.text(credential_id).int8(expected_count).int8(new_count).boolean(backup_state).int8(now);
           }) == 1;
  }

  bool flag(const std::string& credential_id, std::int64_t expected_count) override {
    if (!storable(credential_id)) return false;
    auto connection = pool_.acquire();
    return run(*connection, passkey_sql::kFlag, [&](auto& p) { p.text(credential_id).int8(expected_count); }) == 1;
  }

  bool rename(const std::string& user_id, const std::string& credential_id, const std::string& name) override {
    if (!storable(user_id) || !storable(credential_id)) return false;
    auto connection = pool_.acquire();
    return run(*connection, passkey_sql::kRename,
               [&](auto& p) { p.text(user_id).text(credential_id).any_text(name); }) == 1;
  }

  bool remove(const std::string& user_id, const std::string& credential_id) override {
    if (!storable(user_id) || !storable(credential_id)) return false;
    auto connection = pool_.acquire();
    return run(*connection, passkey_sql::kRemove, [&](auto& p) { p.text(user_id).text(credential_id); }) == 1;
  }

  std::size_t remove_all(const std::string& user_id) override {
    if (!storable(user_id)) return 0;
    auto connection = pool_.acquire();
    return static_cast<std::size_t>(run(*connection, passkey_sql::kRemoveAll, [&](auto& p) { p.text(user_id); }));
  }

 private:
  static bool storable(const std::string& value) { return Connection::storable_text(value); }

  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
