#include "storage/api_key_store.hpp"
#include "storage/audit_store.hpp"

#include <algorithm>
#include "storage/sqlite/connection.hpp"

namespace gatehouse::storage {
using namespace sqlite;  // this file is the SQLite side of the Sql*Store templates
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

constexpr Query kAppendAudit{"append_audit", R"sql(
INSERT INTO audit_events (at, node_id, actor, action, target, client_address, status, before_json, after_json)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id)sql"};

// ?1 action (exact, or a prefix ending in '.'), ?2 actor, ?3 target, ?4 since, ?5 until, ?6 before_id,
// ?7 limit; an empty or zero bound is no bound.
constexpr Query kListAudit{"list_audit", R"sql(
SELECT id, at, node_id, actor, action, target, client_address, status, before_json, after_json FROM audit_events
 WHERE (?1 = '' OR action = ?1 OR (substr(?1, -1) = '.' AND substr(action, 1, length(?1)) = ?1))
   AND (?2 = '' OR actor = ?2) AND (?3 = '' OR target = ?3)
   AND (?4 = 0 OR at >= ?4) AND (?5 = 0 OR at < ?5) AND (?6 = 0 OR id < ?6)
 ORDER BY id DESC LIMIT ?7)sql"};

constexpr Query kPurgeAudit{"purge_audit", R"sql(
DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE at < ?1 ORDER BY at LIMIT ?2))sql"};

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

template <>
std::int64_t SqlAuditStore<sqlite::Connection>::append(const admin::AuditEvent& e) {
  auto connection = pool_.acquire();
  Statement s(*connection, kAppendAudit);
  s.bind_int(1, e.at)
      .bind_text(2, e.node_id)
      .bind_text(3, e.actor)
      .bind_text(4, e.action)
      .bind_text(5, e.target)
      .bind_text(6, e.client_address)
      .bind_int(7, e.status)
      .bind_text(8, e.before)
      .bind_text(9, e.after);
  s.step();
  const auto id = s.int64(0);
  while (s.step()) {
  }
  return id;
}

template <>
std::vector<admin::AuditEvent> SqlAuditStore<sqlite::Connection>::list(const admin::AuditFilter& f, std::size_t limit) {
  auto connection = pool_.acquire();
  Statement s(*connection, kListAudit);
  s.bind_text(1, f.action)
      .bind_text(2, f.actor)
      .bind_text(3, f.target)
      .bind_int(4, f.since)
      .bind_int(5, f.until)
      .bind_int(6, f.before_id)
      .bind_int(7, static_cast<std::int64_t>(std::min<std::size_t>(limit, 1'000'000)));
  std::vector<admin::AuditEvent> out;
  while (s.step()) {
    out.push_back(admin::AuditEvent{s.int64(0), s.int64(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6),
                                    static_cast<int>(s.int64(7)), s.text(8), s.text(9)});
  }
  return out;
}

template <>
std::size_t SqlAuditStore<sqlite::Connection>::purge_before(UnixMillis before, std::size_t limit) {
  if (limit == 0) return 0;
  auto connection = pool_.acquire();
  Statement s(*connection, kPurgeAudit);
  s.bind_int(1, before).bind_int(2, static_cast<std::int64_t>(std::min<std::size_t>(limit, 1'000'000))).run();
  return static_cast<std::size_t>(connection->changes());
}

}  // namespace gatehouse::storage
