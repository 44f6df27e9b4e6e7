// session::SsoSessionStore on PostgreSQL: SSO sessions and their participants.
#include "storage/sso_session_store.hpp"

#include "storage/postgres/connection.hpp"
#include "storage/sign_in_columns.hpp"
#include "storage/sql_count.hpp"

namespace gatehouse::storage {
using namespace postgres;  // this file is the PostgreSQL side of SqlSsoSessionStore
namespace {

constexpr Query kInsertSession{"insert_sso_session", R"sql(
INSERT INTO sso_sessions (id_hash, sid, user_id, auth_time, amr, created_at, last_seen_at, expires_at, participants)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9))sql"};
constexpr Query kFindSession{"find_sso_session", R"sql(
SELECT id_hash, sid, user_id, auth_time, amr, created_at, last_seen_at, expires_at, participants FROM sso_sessions
 WHERE id_hash = $1 AND expires_at > $2 AND last_seen_at > $2 - $3)sql"};
// The same liveness as kFindSession, over the user's index; newest first, bounded.
constexpr Query kListUserSessions{"list_user_sso_sessions", R"sql(
SELECT id_hash, sid, user_id, auth_time, amr, created_at, last_seen_at, expires_at, participants FROM sso_sessions
 WHERE user_id = $1 AND expires_at > $2 AND last_seen_at > $2 - $3 ORDER BY created_at DESC, sid LIMIT $4)sql"};
// Appends a participant's record unless the session has one for that protocol and service ($3 is
// its key). A racing second UPDATE waits on the row lock, re-checks the condition on the committed
// row and changes nothing: the service is recorded once.
constexpr Query kAddParticipant{"add_sso_session_participant",
    "UPDATE sso_sessions SET participants = participants || $2 WHERE id_hash = $1 AND strpos(participants, $3) = 0"};
constexpr Query kTouchSession{"touch_sso_session",
    "UPDATE sso_sessions SET last_seen_at = greatest(last_seen_at, $2) WHERE id_hash = $1"};
constexpr Query kRevokeSessionBySid{"revoke_sso_session_by_sid", "DELETE FROM sso_sessions WHERE sid = $1"};
constexpr Query kRevokeUserSessions{"revoke_user_sso_sessions", "DELETE FROM sso_sessions WHERE user_id = $1"};
// A bounded batch, oldest first; SKIP LOCKED as in transaction_store.cpp.
constexpr Query kPurgeSessions{"purge_sso_sessions", R"sql(
DELETE FROM sso_sessions WHERE id_hash IN (
  SELECT id_hash FROM sso_sessions WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED))sql"};

}  // namespace

template <>
void SqlSsoSessionStore<postgres::Connection>::insert(const session::SsoSession& x) {
  auto connection = pool_.acquire();
  Params params;
  params.bytea(x.id_hash)
      .text(x.sid)
      .text(x.user_id)
      .int8(x.auth_time)
      .text(x.amr)
      .int8(x.created_at)
      .int8(x.last_seen_at)
      .int8(x.expires_at)
      .text(sign_in_columns::encode_participants(x.participants));
  connection->execute(kInsertSession, params);
}

template <>
std::optional<session::SsoSession> SqlSsoSessionStore<postgres::Connection>::find(const std::string& id_hash,
                                                                                  UnixSeconds now,
                                                                                  UnixSeconds idle_timeout) {
  auto connection = pool_.acquire();
  const auto result = connection->execute(kFindSession, Params().bytea(id_hash).int8(now).int8(idle_timeout));
  if (result.empty()) return std::nullopt;
  return sso_session_from_row(result.row(0));
}

template <>
std::vector<session::SsoSession> SqlSsoSessionStore<postgres::Connection>::list_user(const std::string& user_id, UnixSeconds now,
                                                                      UnixSeconds idle_timeout, std::size_t limit) {
  std::vector<session::SsoSession> out;
  if (limit == 0) return out;
  auto connection = pool_.acquire();
  const auto result =
      connection->execute(kListUserSessions, Params().text(user_id).int8(now).int8(idle_timeout).int8(to_sql_count(limit)));
  out.reserve(static_cast<std::size_t>(result.rows()));
  for (int i = 0; i < result.rows(); ++i) out.push_back(sso_session_from_row(result.row(i)));
  return out;
}

template <>
bool SqlSsoSessionStore<postgres::Connection>::touch(const std::string& id_hash, UnixSeconds now) {
  auto connection = pool_.acquire();
  return connection->execute(kTouchSession, Params().bytea(id_hash).int8(now)).affected() == 1;
}

template <>
bool SqlSsoSessionStore<postgres::Connection>::add_participant(const std::string& id_hash,
                                                               const session::Participant& p) {
  auto connection = pool_.acquire();
  const auto record = sign_in_columns::participant_record(p);
  const auto key = sign_in_columns::participant_key(p.protocol, p.service);
  return connection->execute(kAddParticipant, Params().bytea(id_hash).text(record).text(key)).affected() == 1;
}

template <>
bool SqlSsoSessionStore<postgres::Connection>::revoke_by_sid(const std::string& sid) {
  auto connection = pool_.acquire();
  return connection->execute(kRevokeSessionBySid, Params().text(sid)).affected() == 1;
}

template <>
std::size_t SqlSsoSessionStore<postgres::Connection>::revoke_user(const std::string& user_id) {
  auto connection = pool_.acquire();
  return static_cast<std::size_t>(connection->execute(kRevokeUserSessions, Params().text(user_id)).affected());
}

template <>
std::size_t SqlSsoSessionStore<postgres::Connection>::purge_expired(UnixSeconds now, std::size_t limit) {
  return purge_batch(pool_, kPurgeSessions, now, limit);
}

}  // namespace gatehouse::storage
