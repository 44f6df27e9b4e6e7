// The sign-in state on PostgreSQL: login transactions, SSO sessions and authorization codes.
#include "storage/postgres/stores.hpp"

#include "storage/sign_in_columns.hpp"

namespace gatehouse::storage::postgres {
namespace {

// Every purge deletes a bounded batch, oldest first (STYLE C11). FOR UPDATE SKIP LOCKED in the
// inner SELECT: concurrent purgers (two nodes) take disjoint rows and never wait on each other or
// on a request that is writing the row; the row lock also keeps the row as selected until it is
// deleted.

// --- login transactions ----------------------------------------------------------------------

#define GH_TX_COLUMNS                                                                                        \
  "id, csrf_hash, client_id, redirect_uri, response_type, response_mode, scope, state, nonce, code_challenge, " \
  "code_challenge_method, prompt, login_hint, max_age, created_at, expires_at, kind, continuation, service, fresh, " \
  "requested_acr, user_id, amr, acr"

constexpr Query kInsertTransaction{"insert_login_transaction", "INSERT INTO login_transactions (" GH_TX_COLUMNS
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, "
    "$24)"};
constexpr Query kFindTransaction{"find_login_transaction",
    "SELECT " GH_TX_COLUMNS " FROM login_transactions WHERE id = $1 AND expires_at > $2"};
// Compare-and-set on amr: a racing second UPDATE waits on the row lock, re-checks amr on the
// committed row and changes nothing.
constexpr Query kRecordStep{"record_login_transaction_step",
    "UPDATE login_transactions SET user_id = $2, amr = $3, acr = $4 WHERE id = $1 AND amr = $5 AND expires_at > $6"};
// A racing second DELETE waits for the first to commit, then finds nothing: one winner.
constexpr Query kDeleteTransaction{"delete_login_transaction", "DELETE FROM login_transactions WHERE id = $1"};
constexpr Query kPurgeTransactions{"purge_login_transactions", R"sql(
DELETE FROM login_transactions WHERE id IN (
  SELECT id FROM login_transactions WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED))sql"};
#undef GH_TX_COLUMNS

// --- SSO sessions ----------------------------------------------------------------------------

constexpr Query kInsertSession{"insert_sso_session", R"sql(
INSERT INTO sso_sessions (id_hash, sid, user_id, auth_time, amr, created_at, last_seen_at, expires_at, participants)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9))sql"};
constexpr Query kFindSession{"find_sso_session", R"sql(
SELECT id_hash, sid, user_id, auth_time, amr, created_at, last_seen_at, expires_at, participants FROM sso_sessions
 WHERE id_hash = $1 AND expires_at > $2 AND last_seen_at > $2 - $3)sql"};
// Appends a participant's record unless the session has one for that protocol and service ($3 is
// its key). A racing second UPDATE waits on the row lock, re-checks the condition on the committed
// row and changes nothing: the service is recorded once.
constexpr Query kAddParticipant{"add_sso_session_participant",
    "UPDATE sso_sessions SET participants = participants || $2 WHERE id_hash = $1 AND strpos(participants, $3) = 0"};
constexpr Query kTouchSession{"touch_sso_session",
    "UPDATE sso_sessions SET last_seen_at = greatest(last_seen_at, $2) WHERE id_hash = $1"};
constexpr Query kRevokeSessionBySid{"revoke_sso_session_by_sid", "DELETE FROM sso_sessions WHERE sid = $1"};
constexpr Query kRevokeUserSessions{"revoke_user_sso_sessions", "DELETE FROM sso_sessions WHERE user_id = $1"};
constexpr Query kPurgeSessions{"purge_sso_sessions", R"sql(
DELETE FROM sso_sessions WHERE id_hash IN (
  SELECT id_hash FROM sso_sessions WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED))sql"};

// --- authorization codes ---------------------------------------------------------------------

#define GH_CODE_COLUMNS                                                                                           \
  "code_hash, grant_id, client_id, redirect_uri, user_id, scope, nonce, code_challenge, code_challenge_method, sid, " \
  "auth_time, amr, created_at, expires_at"

constexpr Query kInsertCode{"insert_authorization_code", "INSERT INTO authorization_codes (" GH_CODE_COLUMNS
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"};
// The single conditional update that makes a code single-use across every node (STYLE C8). A
// racing redemption waits on the row lock, re-checks consumed_at on the committed row and
// updates nothing. The caller read the code already (find), so nothing is returned.
constexpr Query kMarkCodeUsed{"mark_authorization_code_used",
    "UPDATE authorization_codes SET consumed_at = $2 WHERE code_hash = $1 AND consumed_at IS NULL AND expires_at > $2"};
constexpr Query kFindCode{"find_authorization_code",
    "SELECT " GH_CODE_COLUMNS " FROM authorization_codes WHERE code_hash = $1"};
constexpr Query kPurgeCodes{"purge_authorization_codes", R"sql(
DELETE FROM authorization_codes WHERE code_hash IN (
  SELECT code_hash FROM authorization_codes WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED))sql"};
#undef GH_CODE_COLUMNS

std::size_t purge(ConnectionPool& pool, const Query& query, UnixSeconds now, std::size_t limit) {
  if (limit == 0) return 0;
  auto connection = pool.acquire();
  return static_cast<std::size_t>(connection->execute(query, Params().int8(now).int8(to_sql_count(limit))).affected());
}

signin::SignInTransaction read_transaction(const Row& r) {
  signin::SignInTransaction t;
  t.id = r.text(0);
  t.csrf_hash = r.text(1);
  t.login_hint = r.text(12);
  t.max_age = r.optional_int8(13);
  t.created_at = r.int8(14);
  t.expires_at = r.int8(15);
  t.continuation = {r.text(16), r.text(17)};
  t.service = r.text(18);
  t.fresh = r.boolean(19);
  t.requested_acr = r.text(20);
  t.user_id = r.text(21);
  t.amr = r.text(22);
  t.acr = r.text(23);
  sign_in_columns::read_legacy_oidc_columns(t, r, 2);
  return t;
}

session::SsoSession read_session(const Row& r) {
  return session::SsoSession{r.text(0), r.text(1), r.text(2), r.int8(3), r.text(4), r.int8(5), r.int8(6), r.int8(7),
                             sign_in_columns::decode_participants(r.text(8))};
}

token::AuthorizationCode read_code(const Row& r) {
  token::AuthorizationCode c;
  c.code_hash = r.text(0);
  c.grant_id = r.text(1);
  c.client_id = r.text(2);
  c.redirect_uri = r.text(3);
  c.user_id = r.text(4);
  c.scope = r.text(5);
  c.nonce = r.text(6);
  c.code_challenge = r.text(7);
  c.code_challenge_method = r.text(8);
  c.sid = r.text(9);
  c.auth_time = r.int8(10);
  c.amr = r.text(11);
  c.created_at = r.int8(12);
  c.expires_at = r.int8(13);
  return c;
}

}  // namespace

void PgLoginTransactionStore::insert(const signin::SignInTransaction& t) {
  const auto old = sign_in_columns::legacy_oidc_columns(t);
  auto connection = pool_.acquire();
  Params params;
  params.text(t.id)
      .bytea(t.csrf_hash)
      .text(old.client_id)
      .text(old.redirect_uri)
      .text(old.response_type)
      .text(old.response_mode)
      .text(old.scope)
      .bytea(old.state)
      .bytea(old.nonce)
      .text(old.code_challenge)
      .text(old.code_challenge_method)
      .text(old.prompt)
      .bytea(t.login_hint)
      .int8(t.max_age)
      .int8(t.created_at)
      .int8(t.expires_at)
      .text(t.continuation.kind)
      .bytea(t.continuation.payload)
      .text(t.service)
      .boolean(t.fresh)
      .bytea(t.requested_acr)
      .text(t.user_id)
      .text(t.amr)
      .text(t.acr);
  connection->execute(kInsertTransaction, params);
}

std::optional<signin::SignInTransaction> PgLoginTransactionStore::find(const std::string& id, UnixSeconds now) {
  if (!is_storable_text(id)) return std::nullopt;  // the login form's field, unvalidated
  auto connection = pool_.acquire();
  const auto result = connection->execute(kFindTransaction, Params().text(id).int8(now));
  if (result.empty()) return std::nullopt;
  return read_transaction(result.row(0));
}

bool PgLoginTransactionStore::record_step(const signin::SignInTransaction& after, std::string_view expected_amr,
                                          UnixSeconds now) {
  if (!is_storable_text(after.id)) return false;
  auto connection = pool_.acquire();
  Params params;
  params.text(after.id).text(after.user_id).text(after.amr).text(after.acr).text(expected_amr).int8(now);
  return connection->execute(kRecordStep, params).affected() == 1;
}

bool PgLoginTransactionStore::consume(const std::string& id) {
  if (!is_storable_text(id)) return false;
  auto connection = pool_.acquire();
  return connection->execute(kDeleteTransaction, Params().text(id)).affected() == 1;
}

std::size_t PgLoginTransactionStore::purge_expired(UnixSeconds now, std::size_t limit) {
  return purge(pool_, kPurgeTransactions, now, limit);
}

void PgSsoSessionStore::insert(const session::SsoSession& x) {
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

std::optional<session::SsoSession> PgSsoSessionStore::find(const std::string& id_hash, UnixSeconds now,
                                                           UnixSeconds idle_timeout) {
  auto connection = pool_.acquire();
  const auto result = connection->execute(kFindSession, Params().bytea(id_hash).int8(now).int8(idle_timeout));
  if (result.empty()) return std::nullopt;
  return read_session(result.row(0));
}

bool PgSsoSessionStore::touch(const std::string& id_hash, UnixSeconds now) {
  auto connection = pool_.acquire();
  return connection->execute(kTouchSession, Params().bytea(id_hash).int8(now)).affected() == 1;
}

bool PgSsoSessionStore::add_participant(const std::string& id_hash, const session::Participant& p) {
  auto connection = pool_.acquire();
  const auto record = sign_in_columns::participant_record(p);
  const auto key = sign_in_columns::participant_key(p.protocol, p.service);
  return connection->execute(kAddParticipant, Params().bytea(id_hash).text(record).text(key)).affected() == 1;
}

bool PgSsoSessionStore::revoke_by_sid(const std::string& sid) {
  auto connection = pool_.acquire();
  return connection->execute(kRevokeSessionBySid, Params().text(sid)).affected() == 1;
}

std::size_t PgSsoSessionStore::revoke_user(const std::string& user_id) {
  auto connection = pool_.acquire();
  return static_cast<std::size_t>(connection->execute(kRevokeUserSessions, Params().text(user_id)).affected());
}

std::size_t PgSsoSessionStore::purge_expired(UnixSeconds now, std::size_t limit) {
  return purge(pool_, kPurgeSessions, now, limit);
}

void PgCodeStore::insert(const token::AuthorizationCode& c) {
  auto connection = pool_.acquire();
  Params params;
  params.bytea(c.code_hash)
      .bytea(c.grant_id)
      .text(c.client_id)
      .text(c.redirect_uri)
      .text(c.user_id)
      .text(c.scope)
      .bytea(c.nonce)
      .text(c.code_challenge)
      .text(c.code_challenge_method)
      .text(c.sid)
      .int8(c.auth_time)
      .text(c.amr)
      .int8(c.created_at)
      .int8(c.expires_at);
  connection->execute(kInsertCode, params);
}

std::optional<token::AuthorizationCode> PgCodeStore::find(const std::string& code_hash) {
  auto connection = pool_.acquire();
  const auto result = connection->execute(kFindCode, Params().bytea(code_hash));
  if (result.empty()) return std::nullopt;
  return read_code(result.row(0));
}

bool PgCodeStore::mark_used(const std::string& code_hash, UnixSeconds now) {
  auto connection = pool_.acquire();
  return connection->execute(kMarkCodeUsed, Params().bytea(code_hash).int8(now)).affected() == 1;
}

std::size_t PgCodeStore::purge_expired(UnixSeconds now, std::size_t limit) {
  return purge(pool_, kPurgeCodes, now, limit);
}

}  // namespace gatehouse::storage::postgres
