// admin::AuditStore on SQLite.
#include "storage/audit_store.hpp"

#include <algorithm>

#include "storage/sqlite/connection.hpp"

namespace gatehouse::storage {
using namespace sqlite;  // this file is the SQLite side of SqlAuditStore
namespace {

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

}  // namespace

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
  return purge_batch(pool_, kPurgeAudit, before, std::min<std::size_t>(limit, 1'000'000));
}

}  // namespace gatehouse::storage
