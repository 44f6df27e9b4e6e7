// session::SsoSessionStore on SQLite: SSO sessions and their participants.
#include "storage/sso_session_store.hpp"

#include "storage/sign_in_columns.hpp"
#include "storage/sql_count.hpp"
#include "storage/sqlite/connection.hpp"

namespace gatehouse::storage {
using namespace sqlite;  // this file is the SQLite side of SqlSsoSessionStore
namespace {

constexpr Query kInsertSession{"insert_sso_session", R"sql(
INSERT INTO sso_sessions (id_hash, sid, user_id, auth_time, amr, created_at, last_seen_at, expires_at, participants)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9))sql"};
constexpr Query kFindSession{"find_sso_session", R"sql(
SELECT id_hash, sid, user_id, auth_time, amr, created_at, last_seen_at, expires_at, participants FROM sso_sessions
 WHERE id_hash = ?1 AND expires_at > ?2 AND last_seen_at > ?2 - ?3)sql"};
// The same liveness as kFindSession, over the user's index; newest first, bounded.
constexpr Query kListUserSessions{"list_user_sso_sessions", R"sql(
SELECT id_hash, sid, user_id, auth_time, amr, created_at, last_seen_at, expires_at, participants FROM sso_sessions
 WHERE user_id = ?1 AND expires_at > ?2 AND last_seen_at > ?2 - ?3 ORDER BY created_at DESC, sid LIMIT ?4)sql"};
// Appends a participant's record unless the session has one for that protocol and service (?3 is
// its key): one statement, so two nodes adding the same service at once record it once.
constexpr Query kAddParticipant{"add_sso_session_participant",
    "UPDATE sso_sessions SET participants = participants || ?2 WHERE id_hash = ?1 AND instr(participants, ?3) = 0"};
constexpr Query kTouchSession{"touch_sso_session",
    "UPDATE sso_sessions SET last_seen_at = max(last_seen_at, ?2) WHERE id_hash = ?1"};
constexpr Query kRevokeSessionBySid{"revoke_sso_session_by_sid", "DELETE FROM sso_sessions WHERE sid = ?1"};
constexpr Query kRevokeUserSessions{"revoke_user_sso_sessions", "DELETE FROM sso_sessions WHERE user_id = ?1"};
// A bounded batch (STYLE C11), oldest first, so one purge never holds the write lock for long.
constexpr Query kPurgeSessions{"purge_sso_sessions", R"sql(
DELETE FROM sso_sessions WHERE rowid IN (
  SELECT rowid FROM sso_sessions WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2))sql"};

}  // namespace

template <>
void SqlSsoSessionStore<sqlite::Connection>::insert(const session::SsoSession& x) {
  auto connection = pool_.acquire();
  Statement s(*connection, kInsertSession);
  s.bind_blob(1, x.id_hash)
      .bind_text(2, x.sid)
      .bind_text(3, x.user_id)
      .bind_int(4, x.auth_time)
      .bind_text(5, x.amr)
      .bind_int(6, x.created_at)
      .bind_int(7, x.last_seen_at)
      .bind_int(8, x.expires_at)
      .bind_text(9, sign_in_columns::encode_participants(x.participants))
      .run();
}

template <>
std::optional<session::SsoSession> SqlSsoSessionStore<sqlite::Connection>::find(const std::string& id_hash,
                                                                                UnixSeconds now,
                                                                                UnixSeconds idle_timeout) {
  auto connection = pool_.acquire();
  Statement s(*connection, kFindSession);
  s.bind_blob(1, id_hash).bind_int(2, now).bind_int(3, idle_timeout);
  if (!s.step()) return std::nullopt;
  return sso_session_from_row(s);
}

template <>
std::vector<session::SsoSession> SqlSsoSessionStore<sqlite::Connection>::list_user(const std::string& user_id, UnixSeconds now,
                                                                      UnixSeconds idle_timeout, std::size_t limit) {
  std::vector<session::SsoSession> out;
  if (limit == 0) return out;
  auto connection = pool_.acquire();
  Statement s(*connection, kListUserSessions);
  s.bind_text(1, user_id).bind_int(2, now).bind_int(3, idle_timeout).bind_int(4, to_sql_count(limit));
  while (s.step()) out.push_back(sso_session_from_row(s));
  return out;
}

template <>
bool SqlSsoSessionStore<sqlite::Connection>::touch(const std::string& id_hash, UnixSeconds now) {
  auto connection = pool_.acquire();
  Statement s(*connection, kTouchSession);
  s.bind_blob(1, id_hash).bind_int(2, now).run();
  return connection->changes() == 1;
}

template <>
bool SqlSsoSessionStore<sqlite::Connection>::add_participant(const std::string& id_hash,
                                                             const session::Participant& p) {
  auto connection = pool_.acquire();
  Statement s(*connection, kAddParticipant);
  s.bind_blob(1, id_hash)
      .bind_text(2, sign_in_columns::participant_record(p))
      .bind_text(3, sign_in_columns::participant_key(p.protocol, p.service))
      .run();
  return connection->changes() == 1;
}

template <>
bool SqlSsoSessionStore<sqlite::Connection>::revoke_by_sid(const std::string& sid) {
  auto connection = pool_.acquire();
  Statement s(*connection, kRevokeSessionBySid);
  s.bind_text(1, sid).run();
  return connection->changes() == 1;
}

template <>
std::size_t SqlSsoSessionStore<sqlite::Connection>::revoke_user(const std::string& user_id) {
  auto connection = pool_.acquire();
  Statement s(*connection, kRevokeUserSessions);
  s.bind_text(1, user_id).run();
  return static_cast<std::size_t>(connection->changes());
}

template <>
std::size_t SqlSsoSessionStore<sqlite::Connection>::purge_expired(UnixSeconds now, std::size_t limit) {
  return purge_batch(pool_, kPurgeSessions, now, limit);
}

}  // namespace gatehouse::storage
