// admin::ApiKeyStore on SQLite.
#include "storage/api_key_store.hpp"

#include "storage/sqlite/connection.hpp"

namespace gatehouse::storage {
using namespace sqlite;  // this file is the SQLite side of SqlApiKeyStore
namespace {

#define GH_API_KEY_COLUMNS "id, key_hash, description, created_at, expires_at, role"

constexpr Query kFindApiKeyByHash{"find_api_key_by_hash",
    "SELECT " GH_API_KEY_COLUMNS " FROM api_keys WHERE key_hash = ?1"};

constexpr Query kListApiKeys{"list_api_keys",
    "SELECT " GH_API_KEY_COLUMNS " FROM api_keys ORDER BY created_at, id"};

// No conflict target: a duplicate id and a duplicate key_hash are both "already exists".
constexpr Query kInsertApiKey{"insert_api_key", R"sql(
INSERT INTO api_keys ()sql" GH_API_KEY_COLUMNS R"sql() VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT DO NOTHING)sql"};
#undef GH_API_KEY_COLUMNS

constexpr Query kDeleteApiKey{"delete_api_key", "DELETE FROM api_keys WHERE id = ?1"};
admin::ApiKey read_api_key(const Statement& row) {
  return admin::ApiKey{.id = row.text(0),
                       .key_hash = row.blob(1),
                       .description = row.text(2),
                       .created_at = row.int64(3),
                       .expires_at = row.is_null(4) ? std::nullopt : std::optional<UnixSeconds>(row.int64(4)),
                       // A role this release does not know gives the least it knows.
                       .role = admin::api_key_role_from(row.text(5)).value_or(admin::ApiKeyRole::kReadOnly)};
}

}  // namespace

template <>
std::optional<admin::ApiKey> SqlApiKeyStore<sqlite::Connection>::find_by_hash(const std::string& key_hash) {
  auto connection = pool_.acquire();
  Statement s(*connection, kFindApiKeyByHash);
  s.bind_blob(1, key_hash);
  if (!s.step()) return std::nullopt;
  return read_api_key(s);
}

template <>
std::vector<admin::ApiKey> SqlApiKeyStore<sqlite::Connection>::list() {
  auto connection = pool_.acquire();
  Statement s(*connection, kListApiKeys);
  std::vector<admin::ApiKey> keys;
  while (s.step()) keys.push_back(read_api_key(s));
  return keys;
}

template <>
bool SqlApiKeyStore<sqlite::Connection>::insert(const admin::ApiKey& key) {
  auto connection = pool_.acquire();
  Statement s(*connection, kInsertApiKey);
  s.bind_text(1, key.id).bind_blob(2, key.key_hash).bind_text(3, key.description).bind_int(4, key.created_at);
  if (key.expires_at) s.bind_int(5, *key.expires_at);
  else s.bind_null(5);
  s.bind_text(6, admin::to_string(key.role));
  s.run();
  return connection->changes() == 1;
}

template <>
bool SqlApiKeyStore<sqlite::Connection>::remove(const std::string& id) {
  auto connection = pool_.acquire();
  Statement s(*connection, kDeleteApiKey);
  s.bind_text(1, id).run();
  return connection->changes() == 1;
}

}  // namespace gatehouse::storage
