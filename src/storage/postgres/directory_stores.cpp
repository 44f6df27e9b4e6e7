// The slowly changing records on PostgreSQL: clients, admin API keys, signing keys, settings.
#include <algorithm>
#include <limits>

#include "storage/postgres/stores.hpp"
#include "storage/api_key_store.hpp"
#include "storage/audit_store.hpp"
#include "storage/client_store.hpp"
#include "storage/key_store.hpp"
#include "storage/settings_store.hpp"

namespace gatehouse::storage {
using namespace postgres;  // this file is the PostgreSQL side of the Sql*Store templates
namespace {

// --- clients ---------------------------------------------------------------------------------

// The column order every client query shares; read_client() and client_params() depend on it.
#define GH_CLIENT_COLUMNS                                                                             \
  "client_id, secret_hash, client_name, grant_types, token_endpoint_auth_method, scopes, redirect_uris, " \
  "post_logout_redirect_uris, access_token_signed_response_alg, id_token_signed_response_alg, "          \
  "access_token_audience, created_at, updated_at, jwks, version, extra_metadata, introspection_audiences"

// The token endpoint's read (through the near-cache): one indexed row.
constexpr Query kFindClient{"find_client", "SELECT " GH_CLIENT_COLUMNS " FROM clients WHERE client_id = $1"};

// The total and the page from one statement, so from one snapshot. The count comes first and the
// page joins it, so an offset past the end still answers with the total (and NULL columns).
constexpr Query kListClients{"list_clients", R"sql(
SELECT n.total, p.* FROM (SELECT count(*) AS total FROM clients) n
  LEFT JOIN LATERAL (SELECT )sql" GH_CLIENT_COLUMNS R"sql( FROM clients ORDER BY client_id LIMIT $1 OFFSET $2) p ON true
 ORDER BY p.client_id)sql"};

constexpr Query kInsertClient{"insert_client", "INSERT INTO clients (" GH_CLIENT_COLUMNS R"sql()
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $16, $17)
ON CONFLICT (client_id) DO NOTHING)sql"};

// Everything but client_id and created_at (the port's contract), if the version is still the one
// the caller read ($15). $12 (created_at) is bound but unused: a parameter whose type the prepare
// names need not appear in the text. The answer tells a stale version from a missing client.
constexpr Query kUpdateClient{"update_client", R"sql(
WITH updated AS (
  UPDATE clients SET secret_hash = $2, client_name = $3, grant_types = $4, token_endpoint_auth_method = $5,
                     scopes = $6, redirect_uris = $7, post_logout_redirect_uris = $8,
                     access_token_signed_response_alg = $9, id_token_signed_response_alg = $10,
                     access_token_audience = $11, updated_at = $13, jwks = $14, version = version + 1,
                     extra_metadata = $16, introspection_audiences = $17
   WHERE client_id = $1 AND version = $15
  RETURNING 1)
SELECT (SELECT count(*) FROM updated), EXISTS (SELECT 1 FROM clients WHERE client_id = $1))sql"};

constexpr Query kDeleteClient{"delete_client", "DELETE FROM clients WHERE client_id = $1"};
#undef GH_CLIENT_COLUMNS

client::Client read_client(const Row& r, int first) {
  client::Client c;
  c.client_id = r.text(first + 0);
  c.secret_hash = r.text(first + 1);
  c.client_name = r.text(first + 2);
  c.grant_types = r.text_array(first + 3);
  c.token_endpoint_auth_method = r.text(first + 4);
  c.scopes = r.text_array(first + 5);
  c.redirect_uris = r.text_array(first + 6);
  c.post_logout_redirect_uris = r.text_array(first + 7);
  c.access_token_signed_response_alg = r.text(first + 8);
  c.id_token_signed_response_alg = r.text(first + 9);
  c.access_token_audience = r.text_array(first + 10);
  c.created_at = r.int8(first + 11);
  c.updated_at = r.int8(first + 12);
  c.jwks = r.text(first + 13);
  c.version = r.int8(first + 14);
  c.extra_metadata = r.text(first + 15);
  c.introspection_audiences = r.text_array(first + 16);
  return c;
}

Params client_params(const client::Client& c) {
  Params p;
  p.text(c.client_id)
      .bytea(c.secret_hash)
      .text(c.client_name)
      .text_array(c.grant_types)
      .text(c.token_endpoint_auth_method)
      .text_array(c.scopes)
      .text_array(c.redirect_uris)
      .text_array(c.post_logout_redirect_uris)
      .text(c.access_token_signed_response_alg)
      .text(c.id_token_signed_response_alg)
      .text_array(c.access_token_audience)
      .int8(c.created_at)
      .int8(c.updated_at)
      .text(c.jwks)
      .int8(c.version)
      .text(c.extra_metadata)
      .text_array(c.introspection_audiences);
  return p;
}

// --- the audit trail --------------------------------------------------------------------------

constexpr Query kAppendAudit{"append_audit", R"sql(
INSERT INTO audit_events (at, node_id, actor, action, target, client_address, status, before_json, after_json)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id)sql"};

// $1 action (exact, or a prefix ending in '.'), $2 actor, $3 target, $4 since, $5 until, $6 before_id,
// $7 limit; an empty or zero bound is no bound.
constexpr Query kListAudit{"list_audit", R"sql(
SELECT id, at, node_id, actor, action, target, client_address, status, before_json, after_json FROM audit_events
 WHERE ($1 = '' OR action = $1 OR (right($1, 1) = '.' AND starts_with(action, $1)))
   AND ($2 = '' OR actor = $2) AND ($3 = '' OR target = $3)
   AND ($4 = 0 OR at >= $4) AND ($5 = 0 OR at < $5) AND ($6 = 0 OR id < $6)
 ORDER BY id DESC LIMIT $7)sql"};

constexpr Query kPurgeAudit{"purge_audit", R"sql(
DELETE FROM audit_events WHERE id IN (
  SELECT id FROM audit_events WHERE at < $1 ORDER BY at LIMIT $2 FOR UPDATE SKIP LOCKED))sql"};

// --- API keys --------------------------------------------------------------------------------

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

// --- signing keys and settings ---------------------------------------------------------------

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

constexpr Query kSelectSetting{"select_setting", "SELECT value FROM settings WHERE name = $1"};
constexpr Query kInsertSettingIfAbsent{"insert_setting_if_absent",
    "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING"};

constexpr Query kPutSetting{"put_setting",
    "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value"};

constexpr std::string_view kKeyCheckSetting = "key_check";

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

std::optional<std::string> select_setting(Connection& connection, std::string_view name) {
  const auto result = connection.execute(kSelectSetting, Params().text(name));
  if (result.empty()) return std::nullopt;
  return result.row(0).text(0);
}

}  // namespace

std::int64_t postgres::to_sql_count(std::size_t n) {
  return static_cast<std::int64_t>(std::min<std::size_t>(n, std::numeric_limits<std::int64_t>::max()));
}

// --- SqlClientStore ---------------------------------------------------------------------------

template <>
std::optional<client::Client> SqlClientStore<postgres::Connection>::find(const std::string& client_id) {
  if (!is_storable_text(client_id)) return std::nullopt;  // a junk client_id from a request
  auto connection = pool_.acquire();
  const auto result = connection->execute(kFindClient, Params().text(client_id));
  if (result.empty()) return std::nullopt;
  return read_client(result.row(0), 0);
}

template <>
client::ClientPage SqlClientStore<postgres::Connection>::list(std::size_t offset, std::size_t limit) {
  auto connection = pool_.acquire();
  const auto result = connection->execute(kListClients, Params().int8(to_sql_count(limit)).int8(to_sql_count(offset)));
  client::ClientPage page;
  for (int i = 0; i < result.rows(); ++i) {
    const Row row = result.row(i);
    page.total = static_cast<std::size_t>(row.int8(0));
    if (!row.is_null(1)) page.items.push_back(read_client(row, 1));
  }
  return page;
}

template <>
bool SqlClientStore<postgres::Connection>::insert(const client::Client& client) {
  auto connection = pool_.acquire();
  return connection->execute(kInsertClient, client_params(client)).affected() == 1;
}

template <>
client::UpdateResult SqlClientStore<postgres::Connection>::update(const client::Client& client) {
  auto connection = pool_.acquire();
  const auto result = connection->execute(kUpdateClient, client_params(client));
  if (result.row(0).int8(0) == 1) return client::UpdateResult::kOk;
  return result.row(0).boolean(1) ? client::UpdateResult::kStale : client::UpdateResult::kNotFound;
}

template <>
bool SqlClientStore<postgres::Connection>::remove(const std::string& client_id) {
  if (!is_storable_text(client_id)) return false;
  auto connection = pool_.acquire();
  return connection->execute(kDeleteClient, Params().text(client_id)).affected() == 1;
}

// --- SqlApiKeyStore ---------------------------------------------------------------------------

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

// --- SqlKeyStore ------------------------------------------------------------------------------

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
  return select_setting(*connection, kKeyCheckSetting);
}

template <>
std::string SqlKeyStore<postgres::Connection>::set_key_check_if_absent(const std::string& value) {
  auto connection = pool_.acquire();
  // Two autocommit statements: a conflicting insert waits for the other writer to commit, so the
  // SELECT that follows (a new snapshot) sees the value that won. In one statement it could not.
  connection->execute(kInsertSettingIfAbsent, Params().text(kKeyCheckSetting).bytea(value));
  auto stored = select_setting(*connection, kKeyCheckSetting);
  if (!stored) throw StorageError(connection->label() + ": the key check value vanished");
  return *stored;
}

// --- SqlSettingsStore -------------------------------------------------------------------------

template <>
std::optional<std::string> SqlSettingsStore<postgres::Connection>::get(const std::string& name) {
  auto connection = pool_.acquire();
  return select_setting(*connection, name);
}

template <>
void SqlSettingsStore<postgres::Connection>::put(const std::string& name, const std::string& value) {
  auto connection = pool_.acquire();
  connection->execute(kPutSetting, Params().text(name).bytea(value));
}

template <>
bool SqlSettingsStore<postgres::Connection>::insert_if_absent(const std::string& name, const std::string& value) {
  auto connection = pool_.acquire();
  return connection->execute(kInsertSettingIfAbsent, Params().text(name).bytea(value)).affected() == 1;
}

template <>
std::int64_t SqlAuditStore<postgres::Connection>::append(const admin::AuditEvent& e) {
  auto connection = pool_.acquire();
  auto r = connection->execute(kAppendAudit, Params()
                                                 .int8(e.at)
                                                 .text(e.node_id)
                                                 .text(e.actor)
                                                 .text(e.action)
                                                 .text(e.target)
                                                 .text(e.client_address)
                                                 .int8(static_cast<std::int64_t>(e.status))
                                                 .text(e.before)
                                                 .text(e.after));
  return r.row(0).int8(0);
}

template <>
std::vector<admin::AuditEvent> SqlAuditStore<postgres::Connection>::list(const admin::AuditFilter& f, std::size_t limit) {
  auto connection = pool_.acquire();
  auto r = connection->execute(kListAudit, Params()
                                               .text(f.action)
                                               .text(f.actor)
                                               .text(f.target)
                                               .int8(f.since)
                                               .int8(f.until)
                                               .int8(f.before_id)
                                               .int8(to_sql_count(limit)));
  std::vector<admin::AuditEvent> out;
  for (int i = 0; i < r.rows(); ++i) {
    const auto row = r.row(i);
    out.push_back(admin::AuditEvent{row.int8(0), row.int8(1), row.text(2), row.text(3), row.text(4), row.text(5),
                                    row.text(6), static_cast<int>(row.int8(7)), row.text(8), row.text(9)});
  }
  return out;
}

template <>
std::size_t SqlAuditStore<postgres::Connection>::purge_before(UnixMillis before, std::size_t limit) {
  if (limit == 0) return 0;
  auto connection = pool_.acquire();
  return static_cast<std::size_t>(connection->execute(kPurgeAudit, Params().int8(before).int8(to_sql_count(limit))).affected());
}

}  // namespace gatehouse::storage
