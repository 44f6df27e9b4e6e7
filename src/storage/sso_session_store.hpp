#pragma once
// session::SsoSessionStore on SQL (SSO sessions and their participants), written once for both
// backends (storage/query.hpp).

#include "session/sso_session_store.hpp"
#include "storage/connection_pool.hpp"
#include "storage/query.hpp"
#include "storage/sign_in_columns.hpp"
#include "storage/sql_count.hpp"

namespace gatehouse::storage {

namespace sso_session_sql {
// The column order every query shares; sso_session_from_row() and insert() depend on it.
#define GH_SSO_COLUMNS "id_hash, sid, user_id, auth_time, amr, created_at, last_seen_at, expires_at, participants"
inline constexpr Query kInsert{"insert_sso_session",
    "INSERT INTO sso_sessions (" GH_SSO_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"};
inline constexpr Query kFind{"find_sso_session", "SELECT " GH_SSO_COLUMNS R"sql( FROM sso_sessions
 WHERE id_hash = $1 AND expires_at > $2 AND last_seen_at > $2 - $3)sql"};
// The same liveness as kFind, over the user's index; newest first, bounded.
inline constexpr Query kListUser{"list_user_sso_sessions", "SELECT " GH_SSO_COLUMNS R"sql( FROM sso_sessions
 WHERE user_id = $1 AND expires_at > $2 AND last_seen_at > $2 - $3 ORDER BY created_at DESC, sid LIMIT $4)sql"};
inline constexpr Query kTakeBySid{"take_sso_session_by_sid",
                                  "DELETE FROM sso_sessions WHERE sid = $1 RETURNING " GH_SSO_COLUMNS};
#undef GH_SSO_COLUMNS
// Appends a participant's record unless the session has one for that protocol and service ($3 is
// its key): one statement, so two nodes adding the same service at once record it once (on
// PostgreSQL a racing second UPDATE waits on the row lock and re-checks the committed row). The
// substring search is instr() in SQLite and strpos() in PostgreSQL.
inline constexpr DialectQuery kAddParticipant{
    {"add_sso_session_participant",
     "UPDATE sso_sessions SET participants = participants || $2 WHERE id_hash = $1 AND instr(participants, $3) = 0"},
    {"add_sso_session_participant",
     "UPDATE sso_sessions SET participants = participants || $2 WHERE id_hash = $1 AND strpos(participants, $3) = 0"}};
// The larger of two values is max() in SQLite and greatest() in PostgreSQL (max() aggregates there).
inline constexpr DialectQuery kTouch{
    {"touch_sso_session", "UPDATE sso_sessions SET last_seen_at = max(last_seen_at, $2) WHERE id_hash = $1"},
    {"touch_sso_session", "UPDATE sso_sessions SET last_seen_at = greatest(last_seen_at, $2) WHERE id_hash = $1"}};
inline constexpr Query kRevokeBySid{"revoke_sso_session_by_sid", "DELETE FROM sso_sessions WHERE sid = $1"};
inline constexpr Query kRevokeUser{"revoke_user_sso_sessions", "DELETE FROM sso_sessions WHERE user_id = $1"};
inline const PurgeQuery kPurge{"purge_sso_sessions", "sso_sessions", "id_hash", "expires_at <= $1", "expires_at"};
}  // namespace sso_session_sql

/// An sso_sessions row read in the column order both backends' session queries share: id_hash,
/// sid, user_id, auth_time, amr, created_at, last_seen_at, expires_at, participants. `Row` is
/// sqlite::Statement or postgres::Row.
template <class Row>
session::SsoSession sso_session_from_row(const Row& r) {
  return session::SsoSession{r.blob(0),  r.text(1),  r.text(2),  r.int64(3), r.text(4),
                             r.int64(5), r.int64(6), r.int64(7), sign_in_columns::decode_participants(r.text(8))};
}

/// The same columns as parameters $1 ... $9. `Params` is postgres::Params or sqlite::Binder.
template <class Params>
Params& sso_session_params(Params& p, const session::SsoSession& x) {
  return p.bytea(x.id_hash)
      .text(x.sid)
      .text(x.user_id)
      .int8(x.auth_time)
      .text(x.amr)
      .int8(x.created_at)
      .int8(x.last_seen_at)
      .int8(x.expires_at)
      .text(sign_in_columns::encode_participants(x.participants));
}

template <class Connection>
class SqlSsoSessionStore final : public session::SsoSessionStore {
 public:
  explicit SqlSsoSessionStore(ConnectionPool<Connection>& pool) : pool_(pool) {}

  void insert(const session::SsoSession& x) override {
    auto connection = pool_.acquire();
    run(*connection, sso_session_sql::kInsert, [&](auto& p) { sso_session_params(p, x); });
  }

  std::optional<session::SsoSession> find(const std::string& id_hash, UnixSeconds now,
                                          UnixSeconds idle_timeout) override {
    auto connection = pool_.acquire();
    return first_row(
        *connection, sso_session_sql::kFind, [&](auto& p) { p.bytea(id_hash).int8(now).int8(idle_timeout); },
        [](const auto& row) { return sso_session_from_row(row); });
  }

  std::vector<session::SsoSession> list_user(const std::string& user_id, UnixSeconds now, UnixSeconds idle_timeout,
                                             std::size_t limit) override {
    std::vector<session::SsoSession> out;
    if (limit == 0) return out;
    auto connection = pool_.acquire();
    for_each_row(
        *connection, sso_session_sql::kListUser,
        [&](auto& p) { p.text(user_id).int8(now).int8(idle_timeout).int8(to_sql_count(limit)); },
        [&](const auto& row) { out.push_back(sso_session_from_row(row)); });
    return out;
  }

  bool touch(const std::string& id_hash, UnixSeconds now) override {
    auto connection = pool_.acquire();
    const auto& query = in_dialect<Connection>(sso_session_sql::kTouch);
    return run(*connection, query, [&](auto& p) { p.bytea(id_hash).int8(now); }) == 1;
  }

  bool add_participant(const std::string& id_hash, const session::Participant& participant) override {
    auto connection = pool_.acquire();
    const auto record = sign_in_columns::participant_record(participant);
    const auto key = sign_in_columns::participant_key(participant.protocol, participant.service);
    const auto& query = in_dialect<Connection>(sso_session_sql::kAddParticipant);
    return run(*connection, query, [&](auto& p) { p.bytea(id_hash).text(record).text(key); }) == 1;
  }

  bool revoke_by_sid(const std::string& sid) override {
    auto connection = pool_.acquire();
    return run(*connection, sso_session_sql::kRevokeBySid, [&](auto& p) { p.text(sid); }) == 1;
  }

  std::optional<session::SsoSession> take_by_sid(const std::string& sid) override {
    if (!Connection::storable_text(sid)) return std::nullopt;
    auto connection = pool_.acquire();
    return first_row(
        *connection, sso_session_sql::kTakeBySid, [&](auto& p) { p.text(sid); },
        [](const auto& row) { return sso_session_from_row(row); });
  }

  std::size_t revoke_user(const std::string& user_id) override {
    auto connection = pool_.acquire();
    return static_cast<std::size_t>(run(*connection, sso_session_sql::kRevokeUser, [&](auto& p) { p.text(user_id); }));
  }

  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override {
    return purge_batch(pool_, in_dialect<Connection>(sso_session_sql::kPurge), now, limit);
  }

 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
