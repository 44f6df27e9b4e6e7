// client::ClientStore on PostgreSQL.
#include "storage/client_store.hpp"

#include "storage/postgres/connection.hpp"
#include "storage/sql_count.hpp"

namespace gatehouse::storage {
using namespace postgres;  // this file is the PostgreSQL side of SqlClientStore
namespace {

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

}  // namespace

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

}  // namespace gatehouse::storage
