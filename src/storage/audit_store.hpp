#pragma once
// admin::AuditStore on SQL (the audit log), written once for both backends (storage/query.hpp).

#include <algorithm>

#include "admin/audit_store.hpp"
#include "core/error.hpp"
#include "storage/connection_pool.hpp"
#include "storage/query.hpp"
#include "storage/sql_count.hpp"

namespace gatehouse::storage {

namespace audit_sql {
inline constexpr Query kAppend{"append_audit", R"sql(
INSERT INTO audit_events (at, node_id, actor, action, target, client_address, status, before_json, after_json)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id)sql"};
// $1 action (exact, or a prefix ending in '.'), $2 actor, $3 target, $4 since, $5 until, $6 before_id,
// $7 limit; an empty or zero bound is no bound. The prefix test is substr() in SQLite and
// right()/starts_with() in PostgreSQL.
inline constexpr DialectQuery kList{
    {"list_audit", R"sql(
SELECT id, at, node_id, actor, action, target, client_address, status, before_json, after_json FROM audit_events
 WHERE ($1 = '' OR action = $1 OR (substr($1, -1) = '.' AND substr(action, 1, length($1)) = $1))
   AND ($2 = '' OR actor = $2) AND ($3 = '' OR target = $3)
   AND ($4 = 0 OR at >= $4) AND ($5 = 0 OR at < $5) AND ($6 = 0 OR id < $6)
 ORDER BY id DESC LIMIT $7)sql"},
    {"list_audit", R"sql(
SELECT id, at, node_id, actor, action, target, client_address, status, before_json, after_json FROM audit_events
 WHERE ($1 = '' OR action = $1 OR (right($1, 1) = '.' AND starts_with(action, $1)))
   AND ($2 = '' OR actor = $2) AND ($3 = '' OR target = $3)
   AND ($4 = 0 OR at >= $4) AND ($5 = 0 OR at < $5) AND ($6 = 0 OR id < $6)
 ORDER BY id DESC LIMIT $7)sql"}};
inline const PurgeQuery kPurge{"purge_audit", "audit_events", "id", "at < $1", "at"};
}  // namespace audit_sql

template <class Connection>
class SqlAuditStore final : public admin::AuditStore {
 public:
  explicit SqlAuditStore(ConnectionPool<Connection>& pool) : pool_(pool) {}

  std::int64_t append(const admin::AuditEvent& e) override {
    auto connection = pool_.acquire();
    const auto id = first_row(
        *connection, audit_sql::kAppend,
        [&](auto& p) {
          p.int8(e.at)
              .text(e.node_id)
              .text(e.actor)
              .text(e.action)
              .text(e.target)
              .text(e.client_address)
              .int8(static_cast<std::int64_t>(e.status))
              .text(e.before)
              .text(e.after);
        },
        [](const auto& row) { return row.int64(0); });
    if (!id) throw StorageError("appending an audit event returned no id");
    return *id;
  }

  std::vector<admin::AuditEvent> list(const admin::AuditFilter& f, std::size_t limit) override {
    auto connection = pool_.acquire();
    std::vector<admin::AuditEvent> out;
    for_each_row(
        *connection, in_dialect<Connection>(audit_sql::kList),
        [&](auto& p) {
          p.text(f.action).text(f.actor).text(f.target).int8(f.since).int8(f.until).int8(f.before_id);
          p.int8(to_sql_count(bounded(limit)));
        },
        [&](const auto& r) {
          out.push_back(admin::AuditEvent{r.int64(0), r.int64(1), r.text(2), r.text(3), r.text(4), r.text(5), r.text(6),
                                          static_cast<int>(r.int64(7)), r.text(8), r.text(9)});
        });
    return out;
  }

  std::size_t purge_before(UnixMillis before, std::size_t limit) override {
    return purge_batch(pool_, in_dialect<Connection>(audit_sql::kPurge), before, bounded(limit));
  }

 private:
  /// The SQLite side has always taken at most 1,000,000 rows in one page or purge batch.
  static std::size_t bounded(std::size_t limit) {
    return Connection::kDialect == Dialect::kSqlite ? std::min<std::size_t>(limit, 1'000'000) : limit;
  }

  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
