#include "storage/sqlite/sign_in_stores.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "storage/sign_in_columns.hpp"

namespace gatehouse::storage::sqlite {
namespace {

// --- login transactions ----------------------------------------------------------------------

#define GH_TX_COLUMNS                                                                                        \
  "id, csrf_hash, client_id, redirect_uri, response_type, response_mode, scope, state, nonce, code_challenge, " \
  "code_challenge_method, prompt, login_hint, max_age, created_at, expires_at, kind, continuation, service, fresh, " \
  "requested_acr, user_id, amr, acr"

constexpr Query kInsertTransaction{"insert_login_transaction", "INSERT INTO login_transactions (" GH_TX_COLUMNS
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, "
    "?24)"};
constexpr Query kFindTransaction{"find_login_transaction",
    "SELECT " GH_TX_COLUMNS " FROM login_transactions WHERE id = ?1 AND expires_at > ?2"};
// Compare-and-set on amr: the step the caller read is still the last one recorded.
constexpr Query kRecordStep{"record_login_transaction_step",
    "UPDATE login_transactions SET user_id = ?2, amr = ?3, acr = ?4 WHERE id = ?1 AND amr = ?5 AND expires_at > ?6"};
constexpr Query kDeleteTransaction{"delete_login_transaction", "DELETE FROM login_transactions WHERE id = ?1"};
constexpr Query kPurgeTransactions{"purge_login_transactions", R"sql(
DELETE FROM login_transactions WHERE rowid IN (
  SELECT rowid FROM login_transactions WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2))sql"};
#undef GH_TX_COLUMNS

// --- SSO sessions ----------------------------------------------------------------------------

constexpr Query kInsertSession{"insert_sso_session", R"sql(
INSERT INTO sso_sessions (id_hash, sid, user_id, auth_time, amr, created_at, last_seen_at, expires_at, participants)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9))sql"};
constexpr Query kFindSession{"find_sso_session", R"sql(
SELECT id_hash, sid, user_id, auth_time, amr, created_at, last_seen_at, expires_at, participants FROM sso_sessions
 WHERE id_hash = ?1 AND expires_at > ?2 AND last_seen_at > ?2 - ?3)sql"};
// Appends a participant's record unless the session has one for that protocol and service (?3 is
// its key): one statement, so two nodes adding the same service at once record it once.
constexpr Query kAddParticipant{"add_sso_session_participant",
    "UPDATE sso_sessions SET participants = participants || ?2 WHERE id_hash = ?1 AND instr(participants, ?3) = 0"};
constexpr Query kTouchSession{"touch_sso_session",
    "UPDATE sso_sessions SET last_seen_at = max(last_seen_at, ?2) WHERE id_hash = ?1"};
constexpr Query kRevokeSessionBySid{"revoke_sso_session_by_sid", "DELETE FROM sso_sessions WHERE sid = ?1"};
constexpr Query kRevokeUserSessions{"revoke_user_sso_sessions", "DELETE FROM sso_sessions WHERE user_id = ?1"};
constexpr Query kPurgeSessions{"purge_sso_sessions", R"sql(
DELETE FROM sso_sessions WHERE rowid IN (
  SELECT rowid FROM sso_sessions WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2))sql"};

// --- authorization codes ---------------------------------------------------------------------

#define GH_CODE_COLUMNS                                                                                           \
  "code_hash, grant_id, client_id, redirect_uri, user_id, scope, nonce, code_challenge, code_challenge_method, sid, " \
  "auth_time, amr, created_at, expires_at"

constexpr Query kInsertCode{"insert_authorization_code", "INSERT INTO authorization_codes (" GH_CODE_COLUMNS
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"};
// The single conditional update that makes a code single-use across every node (STYLE C8).
constexpr Query kMarkCodeUsed{"mark_authorization_code_used",
    "UPDATE authorization_codes SET consumed_at = ?2 WHERE code_hash = ?1 AND consumed_at IS NULL AND expires_at > ?2"};
constexpr Query kFindCode{"find_authorization_code",
    "SELECT " GH_CODE_COLUMNS " FROM authorization_codes WHERE code_hash = ?1"};
constexpr Query kPurgeCodes{"purge_authorization_codes", R"sql(
DELETE FROM authorization_codes WHERE rowid IN (
  SELECT rowid FROM authorization_codes WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2))sql"};
#undef GH_CODE_COLUMNS

std::int64_t to_sql_count(std::size_t n) {
  return static_cast<std::int64_t>(std::min<std::size_t>(n, std::numeric_limits<std::int64_t>::max()));
}

std::size_t purge(ConnectionPool& pool, const Query& query, UnixSeconds now, std::size_t limit) {
  if (limit == 0) return 0;
  auto connection = pool.acquire();
  Statement s(*connection, query);
  s.bind_int(1, now).bind_int(2, to_sql_count(limit)).run();
  return static_cast<std::size_t>(connection->changes());
}

signin::SignInTransaction read_transaction(const Statement& r) {
  signin::SignInTransaction t;
  t.id = r.text(0);
  t.csrf_hash = r.blob(1);
  t.login_hint = r.text(12);
  if (!r.is_null(13)) t.max_age = r.int64(13);
  t.created_at = r.int64(14);
  t.expires_at = r.int64(15);
  t.continuation = {r.text(16), r.blob(17)};
  t.service = r.text(18);
  t.fresh = r.int64(19) != 0;
  t.requested_acr = r.blob(20);
  t.user_id = r.text(21);
  t.amr = r.text(22);
  t.acr = r.text(23);
  sign_in_columns::read_legacy_oidc_columns(t, r, 2);
  return t;
}

session::SsoSession read_session(const Statement& r) {
  return session::SsoSession{r.blob(0), r.text(1), r.text(2), r.int64(3), r.text(4), r.int64(5), r.int64(6), r.int64(7),
                             sign_in_columns::decode_participants(r.text(8))};
}

token::AuthorizationCode read_code(const Statement& r) {
  token::AuthorizationCode c;
  c.code_hash = r.blob(0);
  c.grant_id = r.text(1);
  c.client_id = r.text(2);
  c.redirect_uri = r.text(3);
  c.user_id = r.text(4);
  c.scope = r.text(5);
  c.nonce = r.text(6);
  c.code_challenge = r.text(7);
  c.code_challenge_method = r.text(8);
  c.sid = r.text(9);
  c.auth_time = r.int64(10);
  c.amr = r.text(11);
  c.created_at = r.int64(12);
  c.expires_at = r.int64(13);
  return c;
}

}  // namespace

void SqliteLoginTransactionStore::insert(const signin::SignInTransaction& t) {
  const auto old = sign_in_columns::legacy_oidc_columns(t);
  auto connection = pool_.acquire();
  Statement s(*connection, kInsertTransaction);
  s.bind_text(1, t.id)
      .bind_blob(2, t.csrf_hash)
      .bind_text(3, old.client_id)
      .bind_text(4, old.redirect_uri)
      .bind_text(5, old.response_type)
      .bind_text(6, old.response_mode)
      .bind_text(7, old.scope)
      .bind_text(8, old.state)
      .bind_text(9, old.nonce)
      .bind_text(10, old.code_challenge)
      .bind_text(11, old.code_challenge_method)
      .bind_text(12, old.prompt)
      .bind_text(13, t.login_hint);
  if (t.max_age) s.bind_int(14, *t.max_age);
  else s.bind_null(14);
  s.bind_int(15, t.created_at)
      .bind_int(16, t.expires_at)
      .bind_text(17, t.continuation.kind)
      .bind_blob(18, t.continuation.payload)
      .bind_text(19, t.service)
      .bind_int(20, t.fresh ? 1 : 0)
      .bind_blob(21, t.requested_acr)
      .bind_text(22, t.user_id)
      .bind_text(23, t.amr)
      .bind_text(24, t.acr)
      .run();
}

std::optional<signin::SignInTransaction> SqliteLoginTransactionStore::find(const std::string& id, UnixSeconds now) {
  auto connection = pool_.acquire();
  Statement s(*connection, kFindTransaction);
  s.bind_text(1, id).bind_int(2, now);
  if (!s.step()) return std::nullopt;
  return read_transaction(s);
}

bool SqliteLoginTransactionStore::record_step(const signin::SignInTransaction& after, std::string_view expected_amr,
                                              UnixSeconds now) {
  auto connection = pool_.acquire();
  Statement s(*connection, kRecordStep);
  s.bind_text(1, after.id)
      .bind_text(2, after.user_id)
      .bind_text(3, after.amr)
      .bind_text(4, after.acr)
      .bind_text(5, expected_amr)
      .bind_int(6, now)
      .run();
  return connection->changes() == 1;
}

bool SqliteLoginTransactionStore::consume(const std::string& id) {
  auto connection = pool_.acquire();
  Statement s(*connection, kDeleteTransaction);
  s.bind_text(1, id).run();
  return connection->changes() == 1;
}

std::size_t SqliteLoginTransactionStore::purge_expired(UnixSeconds now, std::size_t limit) {
  return purge(pool_, kPurgeTransactions, now, limit);
}

void SqliteSsoSessionStore::insert(const session::SsoSession& x) {
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

std::optional<session::SsoSession> SqliteSsoSessionStore::find(const std::string& id_hash, UnixSeconds now,
                                                               UnixSeconds idle_timeout) {
  auto connection = pool_.acquire();
  Statement s(*connection, kFindSession);
  s.bind_blob(1, id_hash).bind_int(2, now).bind_int(3, idle_timeout);
  if (!s.step()) return std::nullopt;
  return read_session(s);
}

bool SqliteSsoSessionStore::touch(const std::string& id_hash, UnixSeconds now) {
  auto connection = pool_.acquire();
  Statement s(*connection, kTouchSession);
  s.bind_blob(1, id_hash).bind_int(2, now).run();
  return connection->changes() == 1;
}

bool SqliteSsoSessionStore::add_participant(const std::string& id_hash, const session::Participant& p) {
  auto connection = pool_.acquire();
  Statement s(*connection, kAddParticipant);
  s.bind_blob(1, id_hash)
      .bind_text(2, sign_in_columns::participant_record(p))
      .bind_text(3, sign_in_columns::participant_key(p.protocol, p.service))
      .run();
  return connection->changes() == 1;
}

bool SqliteSsoSessionStore::revoke_by_sid(const std::string& sid) {
  auto connection = pool_.acquire();
  Statement s(*connection, kRevokeSessionBySid);
  s.bind_text(1, sid).run();
  return connection->changes() == 1;
}

std::size_t SqliteSsoSessionStore::revoke_user(const std::string& user_id) {
  auto connection = pool_.acquire();
  Statement s(*connection, kRevokeUserSessions);
  s.bind_text(1, user_id).run();
  return static_cast<std::size_t>(connection->changes());
}

std::size_t SqliteSsoSessionStore::purge_expired(UnixSeconds now, std::size_t limit) {
  return purge(pool_, kPurgeSessions, now, limit);
}

void SqliteCodeStore::insert(const token::AuthorizationCode& c) {
  auto connection = pool_.acquire();
  Statement s(*connection, kInsertCode);
  s.bind_blob(1, c.code_hash)
      .bind_text(2, c.grant_id)
      .bind_text(3, c.client_id)
      .bind_text(4, c.redirect_uri)
      .bind_text(5, c.user_id)
      .bind_text(6, c.scope)
      .bind_text(7, c.nonce)
      .bind_text(8, c.code_challenge)
      .bind_text(9, c.code_challenge_method)
      .bind_text(10, c.sid)
      .bind_int(11, c.auth_time)
      .bind_text(12, c.amr)
      .bind_int(13, c.created_at)
      .bind_int(14, c.expires_at)
      .run();
}

std::optional<token::AuthorizationCode> SqliteCodeStore::find(const std::string& code_hash) {
  auto connection = pool_.acquire();
  Statement s(*connection, kFindCode);
  s.bind_blob(1, code_hash);
  if (!s.step()) return std::nullopt;
  return read_code(s);
}

bool SqliteCodeStore::mark_used(const std::string& code_hash, UnixSeconds now) {
  auto connection = pool_.acquire();
  Statement s(*connection, kMarkCodeUsed);
  s.bind_blob(1, code_hash).bind_int(2, now).run();
  return connection->changes() == 1;
}

std::size_t SqliteCodeStore::purge_expired(UnixSeconds now, std::size_t limit) {
  return purge(pool_, kPurgeCodes, now, limit);
}

}  // namespace gatehouse::storage::sqlite
