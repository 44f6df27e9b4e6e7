#include "storage/client_store.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "storage/sqlite/string_list.hpp"
#include "storage/sql_count.hpp"
#include "storage/sqlite/connection.hpp"

namespace gatehouse::storage {
using namespace sqlite;  // this file is the SQLite side of SqlClientStore
namespace {

// Column order shared by kFindClient and kListClients; read_client() depends on it.
constexpr Query kFindClient{"find_client", R"sql(
SELECT client_id, secret_hash, client_name, grant_types, token_endpoint_auth_method, scopes,
       redirect_uris, access_token_signed_response_alg, access_token_audience, created_at, updated_at,
       post_logout_redirect_uris, id_token_signed_response_alg, jwks, version, extra_metadata,
       introspection_audiences
  FROM clients WHERE client_id = ?1)sql"};

constexpr Query kListClients{"list_clients", R"sql(
SELECT client_id, secret_hash, client_name, grant_types, token_endpoint_auth_method, scopes,
       redirect_uris, access_token_signed_response_alg, access_token_audience, created_at, updated_at,
       post_logout_redirect_uris, id_token_signed_response_alg, jwks, version, extra_metadata,
       introspection_audiences
  FROM clients ORDER BY client_id LIMIT ?1 OFFSET ?2)sql"};

constexpr Query kCountClients{"count_clients", "SELECT count(*) FROM clients"};

constexpr Query kInsertClient{"insert_client", R"sql(
INSERT INTO clients (client_id, secret_hash, client_name, grant_types, token_endpoint_auth_method,
                     scopes, redirect_uris, access_token_signed_response_alg, access_token_audience,
                     created_at, updated_at, post_logout_redirect_uris, id_token_signed_response_alg, jwks,
                     version, extra_metadata, introspection_audiences)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 1, ?16, ?17)
ON CONFLICT (client_id) DO NOTHING)sql"};

// Everything but client_id and created_at (the port's contract).
constexpr Query kUpdateClient{"update_client", R"sql(
UPDATE clients SET secret_hash = ?2, client_name = ?3, grant_types = ?4,
                   token_endpoint_auth_method = ?5, scopes = ?6, redirect_uris = ?7,
                   access_token_signed_response_alg = ?8, access_token_audience = ?9,
                   updated_at = ?11, post_logout_redirect_uris = ?12, id_token_signed_response_alg = ?13,
                   jwks = ?14, version = version + 1, extra_metadata = ?16, introspection_audiences = ?17
 WHERE client_id = ?1 AND version = ?15)sql"};
constexpr Query kClientExists{"client_exists", "SELECT 1 FROM clients WHERE client_id = ?1"};

constexpr Query kDeleteClient{"delete_client", "DELETE FROM clients WHERE client_id = ?1"};

client::Client read_client(const Statement& row) {
  client::Client c;
  c.client_id = row.text(0);
  c.secret_hash = row.blob(1);
  c.client_name = row.text(2);
  c.grant_types = decode_string_list(row.text(3), "clients.grant_types");
  c.token_endpoint_auth_method = row.text(4);
  c.scopes = decode_string_list(row.text(5), "clients.scopes");
  c.redirect_uris = decode_string_list(row.text(6), "clients.redirect_uris");
  c.access_token_signed_response_alg = row.text(7);
  c.access_token_audience = decode_string_list(row.text(8), "clients.access_token_audience");
  c.created_at = row.int64(9);
  c.updated_at = row.int64(10);
  c.post_logout_redirect_uris = decode_string_list(row.text(11), "clients.post_logout_redirect_uris");
  c.id_token_signed_response_alg = row.text(12);
  c.jwks = row.text(13);
  c.version = row.int64(14);
  c.extra_metadata = row.text(15);
  c.introspection_audiences = decode_string_list(row.text(16), "clients.introspection_audiences");
  return c;
}

// ?1..?17 in the column order of kInsertClient (kUpdateClient uses the same numbers; ?15 is the
// version the update expects).
void bind_client(Statement& s, const client::Client& c, const std::string& grant_types,
                 const std::string& scopes, const std::string& redirect_uris,
                 const std::string& audience, const std::string& post_logout, const std::string& introspection) {
  s.bind_text(1, c.client_id)
      .bind_blob(2, c.secret_hash)
      .bind_text(3, c.client_name)
      .bind_text(4, grant_types)
      .bind_text(5, c.token_endpoint_auth_method)
      .bind_text(6, scopes)
      .bind_text(7, redirect_uris)
      .bind_text(8, c.access_token_signed_response_alg)
      .bind_text(9, audience)
      .bind_int(10, c.created_at)
      .bind_int(11, c.updated_at)
      .bind_text(12, post_logout)
      .bind_text(13, c.id_token_signed_response_alg)
      .bind_text(14, c.jwks)
      .bind_int(15, c.version)
      .bind_text(16, c.extra_metadata)
      .bind_text(17, introspection);
}

// Runs `query` bound to every field of `c`. @returns rows changed.
std::int64_t write_client(Connection& connection, const Query& query, const client::Client& c) {
  const std::string grant_types = encode_string_list(c.grant_types);
  const std::string scopes = encode_string_list(c.scopes);
  const std::string redirect_uris = encode_string_list(c.redirect_uris);
  const std::string audience = encode_string_list(c.access_token_audience);
  const std::string post_logout = encode_string_list(c.post_logout_redirect_uris);
  const std::string introspection = encode_string_list(c.introspection_audiences);
  Statement s(connection, query);
  bind_client(s, c, grant_types, scopes, redirect_uris, audience, post_logout, introspection);
  s.run();
  return connection.changes();
}

}  // namespace

template <>
std::optional<client::Client> SqlClientStore<sqlite::Connection>::find(const std::string& client_id) {
  auto connection = pool_.acquire();
  Statement s(*connection, kFindClient);
  s.bind_text(1, client_id);
  if (!s.step()) return std::nullopt;
  return read_client(s);
}

template <>
client::ClientPage SqlClientStore<sqlite::Connection>::list(std::size_t offset, std::size_t limit) {
  auto connection = pool_.acquire();
  // One read transaction so the total and the page come from the same snapshot.
  Transaction tx(*connection, Transaction::Mode::kDeferred);
  client::ClientPage page;
  {
    Statement count(*connection, kCountClients);
    count.step();
    page.total = static_cast<std::size_t>(count.int64(0));
  }
  if (limit > 0 && offset < page.total) {
    Statement s(*connection, kListClients);
    s.bind_int(1, to_sql_count(limit)).bind_int(2, to_sql_count(offset));
    while (s.step()) page.items.push_back(read_client(s));
  }
  tx.commit();
  return page;
}

template <>
bool SqlClientStore<sqlite::Connection>::insert(const client::Client& client) {
  auto connection = pool_.acquire();
  return write_client(*connection, kInsertClient, client) == 1;
}

template <>
client::UpdateResult SqlClientStore<sqlite::Connection>::update(const client::Client& client) {
  auto connection = pool_.acquire();
  if (write_client(*connection, kUpdateClient, client) == 1) return client::UpdateResult::kOk;
  Statement s(*connection, kClientExists);
  s.bind_text(1, client.client_id);
  return s.step() ? client::UpdateResult::kStale : client::UpdateResult::kNotFound;
}

template <>
bool SqlClientStore<sqlite::Connection>::remove(const std::string& client_id) {
  auto connection = pool_.acquire();
  Statement s(*connection, kDeleteClient);
  s.bind_text(1, client_id).run();
  return connection->changes() == 1;
}

}  // namespace gatehouse::storage
