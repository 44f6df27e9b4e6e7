#include "storage/sqlite/api_key_store.hpp"

namespace gatehouse::storage::sqlite {
namespace {

constexpr Query kFindApiKeyByHash{"find_api_key_by_hash",
    "SELECT id, key_hash, description, created_at FROM api_keys WHERE key_hash = ?1"};

constexpr Query kListApiKeys{"list_api_keys",
    "SELECT id, key_hash, description, created_at FROM api_keys ORDER BY created_at, id"};

// No conflict target: a duplicate id and a duplicate key_hash are both "already exists".
constexpr Query kInsertApiKey{"insert_api_key", R"sql(
INSERT INTO api_keys (id, key_hash, description, created_at) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT DO NOTHING)sql"};

constexpr Query kDeleteApiKey{"delete_api_key", "DELETE FROM api_keys WHERE id = ?1"};

admin::ApiKey read_api_key(const Statement& row) {
  return admin::ApiKey{
      .id = row.text(0), .key_hash = row.blob(1), .description = row.text(2), .created_at = row.int64(3)};
}

}  // namespace

std::optional<admin::ApiKey> SqliteApiKeyStore::find_by_hash(const std::string& key_hash) {
  auto connection = pool_.acquire();
  Statement s(*connection, kFindApiKeyByHash);
  s.bind_blob(1, key_hash);
  if (!s.step()) return std::nullopt;
  return read_api_key(s);
}

std::vector<admin::ApiKey> SqliteApiKeyStore::list() {
  auto connection = pool_.acquire();
  Statement s(*connection, kListApiKeys);
  std::vector<admin::ApiKey> keys;
  while (s.step()) keys.push_back(read_api_key(s));
  return keys;
}

bool SqliteApiKeyStore::insert(const admin::ApiKey& key) {
  auto connection = pool_.acquire();
  Statement s(*connection, kInsertApiKey);
  s.bind_text(1, key.id).bind_blob(2, key.key_hash).bind_text(3, key.description).bind_int(4, key.created_at);
  s.run();
  return connection->changes() == 1;
}

bool SqliteApiKeyStore::remove(const std::string& id) {
  auto connection = pool_.acquire();
  Statement s(*connection, kDeleteApiKey);
  s.bind_text(1, id).run();
  return connection->changes() == 1;
}

}  // namespace gatehouse::storage::sqlite
