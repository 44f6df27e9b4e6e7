#pragma once
// cas::TicketStore and cas::ProxyGrantingTicketStore on SQL (the CAS ticket registry, tables
// cas_tickets and cas_proxy_granting_tickets, migration 0017), written once for both backends
// (storage/query.hpp). Tickets are kept as hashes; service: any bytes (bytea on PostgreSQL, TEXT
// on SQLite); proxies: a list column (text[] on PostgreSQL, a JSON array on SQLite).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "cas/ticket_store.hpp"
#include "storage/connection_pool.hpp"
#include "storage/query.hpp"
#include "storage/sign_in_facts.hpp"

namespace gatehouse::storage {

namespace cas_ticket_sql {
// The column order every query shares; ticket_from_row() and ticket_params() depend on it.
#define GH_CAS_TICKET_COLUMNS \
  "id_hash, kind, service, client_id, user_id, sid, auth_time, amr, new_login, proxies, created_at, expires_at"
inline constexpr Query kInsert{"insert_cas_ticket", "INSERT INTO cas_tickets (" GH_CAS_TICKET_COLUMNS
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"};
// The single conditional statement that spends a ticket on every node (STYLE C8), one round trip:
// the row is deleted and returned together. On PostgreSQL a racing second DELETE waits on the row
// lock, then finds it gone and returns nothing; on SQLite the write lock serialises them. An
// expired ticket is neither returned nor deleted here: it stays for the purge.
inline constexpr Query kConsume{"consume_cas_ticket",
    "DELETE FROM cas_tickets WHERE id_hash = $1 AND expires_at > $2 RETURNING " GH_CAS_TICKET_COLUMNS};
#undef GH_CAS_TICKET_COLUMNS
inline const PurgeQuery kPurge{"purge_cas_tickets", "cas_tickets", "id_hash", "expires_at <= $1", "expires_at"};
}  // namespace cas_ticket_sql

namespace cas_pgt_sql {
// The column order every query shares; pgt_from_row() and insert() depend on it.
#define GH_CAS_PGT_COLUMNS "id_hash, client_id, user_id, sid, auth_time, amr, proxies, created_at, expires_at"
inline constexpr Query kInsert{"insert_cas_pgt", "INSERT INTO cas_proxy_granting_tickets (" GH_CAS_PGT_COLUMNS
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"};
inline constexpr Query kFind{"find_cas_pgt",
    "SELECT " GH_CAS_PGT_COLUMNS " FROM cas_proxy_granting_tickets WHERE id_hash = $1 AND expires_at > $2"};
#undef GH_CAS_PGT_COLUMNS
inline constexpr Query kRevokeSession{"revoke_cas_pgts_of_session",
    "DELETE FROM cas_proxy_granting_tickets WHERE sid = $1"};
inline const PurgeQuery kPurge{"purge_cas_pgts", "cas_proxy_granting_tickets", "id_hash", "expires_at <= $1",
                               "expires_at"};
}  // namespace cas_pgt_sql

/// The kind column: 'ST' or 'PT' (CAS Protocol 3.0's ticket prefixes).
inline std::string_view cas_kind_column(cas::TicketKind kind) { return kind == cas::TicketKind::kProxy ? "PT" : "ST"; }

/// A cas_tickets row read in the column order both backends' ticket queries share: id_hash, kind,
/// service, client_id, user_id, sid, auth_time, amr, new_login, proxies, created_at, expires_at.
/// `Row` is sqlite::Statement or postgres::Row.
template <class Row>
cas::Ticket ticket_from_row(const Row& r) {
  return cas::Ticket{.id_hash = r.blob(0),
                     .kind = r.text(1) == "PT" ? cas::TicketKind::kProxy : cas::TicketKind::kService,
                     .service = r.text(2),
                     .client_id = r.text(3),
                     .user_id = r.text(4),
                     .sign_in = sign_in_from_row(r, 5),
                     .new_login = r.boolean(8),
                     .proxies = r.text_array(9),
                     .created_at = r.int64(10),
                     .expires_at = r.int64(11)};
}

/// A cas_proxy_granting_tickets row: id_hash, client_id, user_id, sid, auth_time, amr, proxies,
/// created_at, expires_at.
template <class Row>
cas::ProxyGrantingTicket pgt_from_row(const Row& r) {
  return cas::ProxyGrantingTicket{.id_hash = r.blob(0),
                                  .client_id = r.text(1),
                                  .user_id = r.text(2),
                                  .sign_in = sign_in_from_row(r, 3),
                                  .proxies = r.text_array(6),
                                  .created_at = r.int64(7),
                                  .expires_at = r.int64(8)};
}

template <class Connection>
class SqlCasTicketStore final : public cas::TicketStore {
 public:
  explicit SqlCasTicketStore(ConnectionPool<Connection>& pool) : pool_(pool) {}

  void insert(const cas::Ticket& t) override {
    auto connection = pool_.acquire();
    run(*connection, cas_ticket_sql::kInsert, [&](auto& p) {
      p.bytea(t.id_hash).text(cas_kind_column(t.kind)).any_text(t.service).text(t.client_id).text(t.user_id);
      sign_in_params(p, t.sign_in).boolean(t.new_login).text_array(t.proxies).int8(t.created_at).int8(t.expires_at);
    });
  }

  std::optional<cas::Ticket> consume(const std::string& id_hash, UnixSeconds now) override {
    auto connection = pool_.acquire();
    return first_row(
        *connection, cas_ticket_sql::kConsume, [&](auto& p) { p.bytea(id_hash).int8(now); },
        [](const auto& row) { return ticket_from_row(row); });
  }

  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override {
    return purge_batch(pool_, in_dialect<Connection>(cas_ticket_sql::kPurge), now, limit);
  }

 private:
  ConnectionPool<Connection>& pool_;
};

template <class Connection>
class SqlProxyGrantingTicketStore final : public cas::ProxyGrantingTicketStore {
 public:
  explicit SqlProxyGrantingTicketStore(ConnectionPool<Connection>& pool) : pool_(pool) {}

  void insert(const cas::ProxyGrantingTicket& t) override {
    auto connection = pool_.acquire();
    run(*connection, cas_pgt_sql::kInsert, [&](auto& p) {
      p.bytea(t.id_hash).text(t.client_id).text(t.user_id);
      sign_in_params(p, t.sign_in).text_array(t.proxies).int8(t.created_at).int8(t.expires_at);
    });
  }

  std::optional<cas::ProxyGrantingTicket> find(const std::string& id_hash, UnixSeconds now) override {
    auto connection = pool_.acquire();
    return first_row(
        *connection, cas_pgt_sql::kFind, [&](auto& p) { p.bytea(id_hash).int8(now); },
        [](const auto& row) { return pgt_from_row(row); });
  }

  std::size_t revoke_session(const std::string& sid) override {
    if (!Connection::storable_text(sid)) return 0;  // no ticket can belong to it
    auto connection = pool_.acquire();
    return static_cast<std::size_t>(run(*connection, cas_pgt_sql::kRevokeSession, [&](auto& p) { p.text(sid); }));
  }

  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override {
    return purge_batch(pool_, in_dialect<Connection>(cas_pgt_sql::kPurge), now, limit);
  }

 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
