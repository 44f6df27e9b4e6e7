// admin::AuditStore on PostgreSQL.
#include "storage/audit_store.hpp"

#include "storage/postgres/connection.hpp"
#include "storage/sql_count.hpp"

namespace gatehouse::storage {
using namespace postgres;  // this file is the PostgreSQL side of SqlAuditStore
namespace {

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

}  // namespace

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
  return purge_batch(pool_, kPurgeAudit, before, limit);
}

}  // namespace gatehouse::storage
