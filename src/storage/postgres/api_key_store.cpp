// admin::ApiKeyStore on PostgreSQL.
#include "storage/api_key_store.hpp"

#include "storage/postgres/connection.hpp"

namespace gatehouse::storage {
using namespace postgres;  // this file is the PostgreSQL side of SqlApiKeyStore
namespace {

constexpr Query kFindApiKeyByHash{"find_api_key_by_hash",
    "SELECT id, key_hash, description, created_at, expires_at, role FROM api_keys WHERE key_hash = $1"};
constexpr Query kListApiKeys{"list_api_keys",
    "SELECT id, key_hash, description, created_at, expires_at, role FROM api_keys ORDER BY created_at, id"};
// No conflict target: a duplicate id and a duplicate key_hash are both "already exists".
constexpr Query kInsertApiKey{"insert_api_key",
    "INSERT INTO api_keys (id, key_hash, description, created_at, expires_at, role) VALUES ($1, $2, $3, $4, $5, $6) "
    "ON CONFLICT DO NOTHING"};
constexpr Query kDeleteApiKey{"delete_api_key", "DELETE FROM api_keys WHERE id = $1"};

admin::ApiKey read_api_key(const Row& r) {
  return admin::ApiKey{.id = r.text(0),
                       .key_hash = r.text(1),
                       .description = r.text(2),
                       .created_at = r.int8(3),
                       .expires_at = r.is_null(4) ? std::nullopt : std::optional<UnixSeconds>(r.int8(4)),
                       // A role this release does not know gives the least it knows.
                       .role = admin::api_key_role_from(r.text(5)).value_or(admin::ApiKeyRole::kReadOnly)};
}

}  // namespace

template <>
std::optional<admin::ApiKey> SqlApiKeyStore<postgres::Connection>::find_by_hash(const std::string& key_hash) {
  auto connection = pool_.acquire();
  const auto result = connection->execute(kFindApiKeyByHash, Params().bytea(key_hash));
  if (result.empty()) return std::nullopt;
  return read_api_key(result.row(0));
}

template <>
std::vector<admin::ApiKey> SqlApiKeyStore<postgres::Connection>::list() {
  auto connection = pool_.acquire();
  const auto result = connection->execute(kListApiKeys);
  std::vector<admin::ApiKey> keys;
  keys.reserve(static_cast<std::size_t>(result.rows()));
  for (int i = 0; i < result.rows(); ++i) keys.push_back(read_api_key(result.row(i)));
  return keys;
}

template <>
bool SqlApiKeyStore<postgres::Connection>::insert(const admin::ApiKey& key) {
  auto connection = pool_.acquire();
  const Params params = Params()
                            .text(key.id)
                            .bytea(key.key_hash)
                            .text(key.description)
                            .int8(key.created_at)
                            .int8(key.expires_at)
                            .text(std::string(admin::to_string(key.role)));
  return connection->execute(kInsertApiKey, params).affected() == 1;
}

template <>
bool SqlApiKeyStore<postgres::Connection>::remove(const std::string& id) {
  auto connection = pool_.acquire();
  return connection->execute(kDeleteApiKey, Params().text(id)).affected() == 1;
}

}  // namespace gatehouse::storage
