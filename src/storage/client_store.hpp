#pragma once
// client::ClientStore on SQL, declared once for both backends. What both do alike is written here
// once (storage/query.hpp); each backend defines the listing and the update, which the two answer
// differently, for its own connection type (explicit specializations) in
// storage/<backend>/client_store.cpp.

#include "client/client_store.hpp"
#include "storage/connection_pool.hpp"
#include "storage/query.hpp"

namespace gatehouse::storage {

namespace client_sql {
// The column order every client query shares; client_from_row() and client_params() depend on it.
#define GH_CLIENT_COLUMNS                                                                             \
  "client_id, secret_hash, client_name, grant_types, token_endpoint_auth_method, scopes, redirect_uris, " \
  "post_logout_redirect_uris, access_token_signed_response_alg, id_token_signed_response_alg, "          \
  "access_token_audience, created_at, updated_at, jwks, version, extra_metadata, introspection_audiences, "    \
  "saml_entity_id"
// The token endpoint's read (through the near-cache): one indexed row.
inline constexpr Query kFind{"find_client", "SELECT " GH_CLIENT_COLUMNS " FROM clients WHERE client_id = $1"};
// A page of clients and the total. SQLite counts in a second statement (kCount) of the same read
// transaction; PostgreSQL answers both from one statement, so from one snapshot (the count comes
// first and the page joins it, so an offset past the end still answers with the total).
inline constexpr DialectQuery kList{
    {"list_clients", "SELECT " GH_CLIENT_COLUMNS " FROM clients ORDER BY client_id LIMIT $1 OFFSET $2"},
    {"list_clients", R"sql(
SELECT n.total, p.* FROM (SELECT count(*) AS total FROM clients) n
  LEFT JOIN LATERAL (SELECT )sql" GH_CLIENT_COLUMNS R"sql( FROM clients ORDER BY client_id LIMIT $1 OFFSET $2) p ON true
 ORDER BY p.client_id)sql"}};
inline constexpr Query kCount{"count_clients", "SELECT count(*) FROM clients"};
inline constexpr Query kInsert{"insert_client", "INSERT INTO clients (" GH_CLIENT_COLUMNS R"sql()
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $16, $17, NULLIF($18, ''))
ON CONFLICT DO NOTHING)sql"};
#undef GH_CLIENT_COLUMNS
// Everything but client_id and created_at (the port's contract), if the version is still the one
// the caller read ($15); $12 (created_at) is bound but unused (on PostgreSQL a parameter whose type
// the prepare names need not appear in the text). SQLite then tells a stale version from a missing
// client with kExists; PostgreSQL answers both in the same statement (DML in a WITH, which SQLite
// lacks).
#define GH_CLIENT_UPDATE                                                                                  \
  "UPDATE clients SET secret_hash = $2, client_name = $3, grant_types = $4, token_endpoint_auth_method = $5, " \
  "scopes = $6, redirect_uris = $7, post_logout_redirect_uris = $8, access_token_signed_response_alg = $9, "   \
  "id_token_signed_response_alg = $10, access_token_audience = $11, updated_at = $13, jwks = $14, "            \
  "version = version + 1, extra_metadata = $16, introspection_audiences = $17, "                              \
  "saml_entity_id = NULLIF($18, '') "                                                                        \
  "WHERE client_id = $1 AND version = $15"
inline constexpr DialectQuery kUpdate{
    {"update_client", GH_CLIENT_UPDATE},
    {"update_client", "WITH updated AS (" GH_CLIENT_UPDATE R"sql( RETURNING 1)
SELECT (SELECT count(*) FROM updated), EXISTS (SELECT 1 FROM clients WHERE client_id = $1))sql"}};
#undef GH_CLIENT_UPDATE
inline constexpr Query kExists{"client_exists", "SELECT 1 FROM clients WHERE client_id = $1"};
inline constexpr Query kDelete{"delete_client", "DELETE FROM clients WHERE client_id = $1"};
// The application holding a SAML entityID (SQLite checks it under the write lock before an update).
inline constexpr Query kEntityOwner{"saml_entity_owner", "SELECT client_id FROM clients WHERE saml_entity_id = $1"};
// The unique index on clients.saml_entity_id (migration 0018), as PostgreSQL names it in an error.
inline constexpr std::string_view kEntityIdIndex = "clients_saml_entity_id";
}  // namespace client_sql

/// A clients row in client_sql's column order, its client_id at column `first`. The lists are
/// text[] on PostgreSQL and JSON arrays of strings on SQLite (text_array() reads either). `Row` is
/// sqlite::Statement or postgres::Row.
template <class Row>
client::Client client_from_row(const Row& r, int first = 0) {
  client::Client c;
  c.client_id = r.text(first + 0);
  c.secret_hash = r.blob(first + 1);
  c.client_name = r.text(first + 2);
  c.grant_types = r.text_array(first + 3);
  c.token_endpoint_auth_method = r.text(first + 4);
  c.scopes = r.text_array(first + 5);
  c.redirect_uris = r.text_array(first + 6);
  c.post_logout_redirect_uris = r.text_array(first + 7);
  c.access_token_signed_response_alg = r.text(first + 8);
  c.id_token_signed_response_alg = r.text(first + 9);
  c.access_token_audience = r.text_array(first + 10);
  c.created_at = r.int64(first + 11);
  c.updated_at = r.int64(first + 12);
  c.jwks = r.text(first + 13);
  c.version = r.int64(first + 14);
  c.extra_metadata = r.text(first + 15);
  c.introspection_audiences = r.text_array(first + 16);
  c.saml_entity_id = r.text(first + 17);  // NULL reads as ""
  return c;
}

/// The same columns as parameters $1 ... $18 ($15: the version an update expects; $18 "" is stored
/// as NULL, so that any number of applications have no entityID). `Params` is
/// postgres::Params or sqlite::Binder.
template <class Params>
Params& client_params(Params& p, const client::Client& c) {
  return p.text(c.client_id)
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
      .text_array(c.introspection_audiences)
      .text(c.saml_entity_id);
}

template <class Connection>
class SqlClientStore final : public client::ClientStore {
 public:
  explicit SqlClientStore(ConnectionPool<Connection>& pool) : pool_(pool) {}

  std::optional<client::Client> find(const std::string& client_id) override {
    if (!Connection::storable_text(client_id)) return std::nullopt;  // a junk client_id from a request
    auto connection = pool_.acquire();
    return first_row(
        *connection, client_sql::kFind, [&](auto& p) { p.text(client_id); },
        [](const auto& row) { return client_from_row(row); });
  }

  client::ClientPage list(std::size_t offset, std::size_t limit) override;

  /// ON CONFLICT DO NOTHING covers both unique keys: the client_id and the SAML entityID.
  bool insert(const client::Client& client) override {
    auto connection = pool_.acquire();
    return run(*connection, client_sql::kInsert, [&](auto& p) { client_params(p, client); }) == 1;
  }

  client::UpdateResult update(const client::Client& client) override;

  bool remove(const std::string& client_id) override {
    if (!Connection::storable_text(client_id)) return false;
    auto connection = pool_.acquire();
    return run(*connection, client_sql::kDelete, [&](auto& p) { p.text(client_id); }) == 1;
  }

 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
