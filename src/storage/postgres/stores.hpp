#pragma once
// Every storage port on PostgreSQL, one class each, all sharing the backend's connection pool.
// Internal to storage/postgres: the composition root sees them through PostgresBackend.
//
// Every class relies on read committed (Transaction spells it out; autocommit statements run at
// the session default, which Connection sets): a statement that waited for a row lock then acts
// on the latest committed row, and the next statement sees everything committed before it began.

#include "admin/api_key_store.hpp"
#include "admin/audit_store.hpp"
#include "client/client_store.hpp"
#include "cluster/event_store.hpp"
#include "cluster/job_store.hpp"
#include "cluster/node_store.hpp"
#include "keys/key_store.hpp"
#include "session/sso_session_store.hpp"
#include "settings/settings_store.hpp"
#include "signin/transaction.hpp"
#include "storage/postgres/connection_pool.hpp"
#include "token/code_store.hpp"
#include "token/refresh_token_store.hpp"
#include "limits/counter_store.hpp"
#include "token/replay_store.hpp"
#include "token/revocation_store.hpp"
#include "user/user_store.hpp"

namespace gatehouse::storage::postgres {

class PgClientStore final : public client::ClientStore {
 public:
  explicit PgClientStore(ConnectionPool& pool) : pool_(pool) {}
  std::optional<client::Client> find(const std::string& client_id) override;
  client::ClientPage list(std::size_t offset, std::size_t limit) override;
  bool insert(const client::Client& client) override;
  client::UpdateResult update(const client::Client& client) override;
  bool remove(const std::string& client_id) override;

 private:
  ConnectionPool& pool_;
};

class PgAuditStore final : public admin::AuditStore {
 public:
  explicit PgAuditStore(ConnectionPool& pool) : pool_(pool) {}
  std::int64_t append(const admin::AuditEvent& event) override;
  std::vector<admin::AuditEvent> list(const admin::AuditFilter& filter, std::size_t limit) override;
  std::size_t purge_before(UnixMillis before, std::size_t limit) override;

 private:
  ConnectionPool& pool_;
};

class PgApiKeyStore final : public admin::ApiKeyStore {
 public:
  explicit PgApiKeyStore(ConnectionPool& pool) : pool_(pool) {}
  std::optional<admin::ApiKey> find_by_hash(const std::string& key_hash) override;
  std::vector<admin::ApiKey> list() override;
  bool insert(const admin::ApiKey& key) override;
  bool remove(const std::string& id) override;

 private:
  ConnectionPool& pool_;
};

class PgKeyStore final : public keys::KeyStore {
 public:
  explicit PgKeyStore(ConnectionPool& pool) : pool_(pool) {}
  std::vector<keys::StoredKey> list_active() override;
  bool insert_current_if_none(const keys::StoredKey& key) override;
  bool insert_next_if_none(const keys::StoredKey& key) override;
  bool promote_next(const std::string& alg, const std::string& next_kid, UnixSeconds now,
                    UnixSeconds previous_retires_at) override;
  std::size_t retire_previous(UnixSeconds now) override;
  std::optional<std::string> key_check() override;
  std::string set_key_check_if_absent(const std::string& value) override;

 private:
  ConnectionPool& pool_;
};

class PgSettingsStore final : public settings::SettingsStore {
 public:
  explicit PgSettingsStore(ConnectionPool& pool) : pool_(pool) {}
  std::optional<std::string> get(const std::string& name) override;
  bool insert_if_absent(const std::string& name, const std::string& value) override;
  void put(const std::string& name, const std::string& value) override;

 private:
  ConnectionPool& pool_;
};

class PgUserStore final : public user::UserStore {
 public:
  explicit PgUserStore(ConnectionPool& pool) : pool_(pool) {}
  std::optional<user::User> find(const std::string& id) override;
  std::optional<user::User> find_by_username(const std::string& username) override;
  user::UserPage list(const user::UserFilter& filter, std::size_t offset, std::size_t limit) override;
  user::UserWriteResult insert(const user::User& user) override;
  user::UserWriteResult update(const user::User& user) override;
  bool set_password_hash(const std::string& id, const std::string& hash, UnixSeconds now) override;
  bool rehash_password(const std::string& id, const std::string& old_hash, const std::string& new_hash) override;
  bool revoke_tokens_before(const std::string& id, UnixSeconds t) override;
  bool remove(const std::string& id) override;
  user::FailedLogins record_failed_login(const std::string& login_name, UnixSeconds now, UnixSeconds window,
                                         int threshold, UnixSeconds lock_seconds) override;
  user::FailedLogins failed_logins(const std::string& login_name) override;
  void reset_failed_logins(const std::string& login_name) override;
  std::size_t purge_failed_logins(UnixSeconds older_than, std::size_t limit) override;

 private:
  ConnectionPool& pool_;
};

class PgLoginTransactionStore final : public signin::TransactionStore {
 public:
  explicit PgLoginTransactionStore(ConnectionPool& pool) : pool_(pool) {}
  void insert(const signin::SignInTransaction& tx) override;
  std::optional<signin::SignInTransaction> find(const std::string& id, UnixSeconds now) override;
  bool record_step(const signin::SignInTransaction& after, std::string_view expected_amr, UnixSeconds now) override;
  bool consume(const std::string& id) override;
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override;

 private:
  ConnectionPool& pool_;
};

class PgSsoSessionStore final : public session::SsoSessionStore {
 public:
  explicit PgSsoSessionStore(ConnectionPool& pool) : pool_(pool) {}
  void insert(const session::SsoSession& s) override;
  std::optional<session::SsoSession> find(const std::string& id_hash, UnixSeconds now, UnixSeconds idle_timeout) override;
  std::vector<session::SsoSession> list_user(const std::string& user_id, UnixSeconds now, UnixSeconds idle_timeout,
                                             std::size_t limit) override;
  bool touch(const std::string& id_hash, UnixSeconds now) override;
  bool add_participant(const std::string& id_hash, const session::Participant& participant) override;
  bool revoke_by_sid(const std::string& sid) override;
  std::size_t revoke_user(const std::string& user_id) override;
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override;

 private:
  ConnectionPool& pool_;
};

class PgCodeStore final : public token::CodeStore {
 public:
  explicit PgCodeStore(ConnectionPool& pool) : pool_(pool) {}
  void insert(const token::AuthorizationCode& code) override;
  std::optional<token::AuthorizationCode> find(const std::string& code_hash) override;
  bool mark_used(const std::string& code_hash, UnixSeconds now) override;
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override;

 private:
  ConnectionPool& pool_;
};

class PgRevocationStore final : public token::RevocationStore {
 public:
  explicit PgRevocationStore(ConnectionPool& pool) : pool_(pool) {}
  void revoke(const std::string& jti, UnixSeconds expires_at) override;
  bool is_revoked(const std::string& jti) override;
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override;

 private:
  ConnectionPool& pool_;
};

class PgReplayStore final : public token::ReplayStore {
 public:
  explicit PgReplayStore(ConnectionPool& pool) : pool_(pool) {}
  bool first_use(const std::string& key, UnixSeconds expires_at, UnixSeconds now) override;
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override;

 private:
  ConnectionPool& pool_;
};

class PgCounterStore final : public limits::CounterStore {
 public:
  explicit PgCounterStore(ConnectionPool& pool) : pool_(pool) {}
  std::int64_t hit(const std::string& key, UnixSeconds expires_at) override;
  std::int64_t hits(const std::string& key) override;
  void release(const std::string& key) override;
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override;

 private:
  ConnectionPool& pool_;
};

class PgRefreshTokenStore final : public token::RefreshTokenStore {
 public:
  explicit PgRefreshTokenStore(ConnectionPool& pool) : pool_(pool) {}
  void insert(const token::RefreshToken& token) override;
  token::RotateResult rotate(const std::string& presented_hash, const token::RefreshToken& successor,
                             const std::string& sealed_response, UnixSeconds now, UnixSeconds grace) override;
  std::optional<token::RefreshToken> find_active(const std::string& token_hash, UnixSeconds now) override;
  void record_access_token(const std::string& grant_id, const std::string& jti, UnixSeconds expires_at) override;
  std::size_t revoke_grant(const std::string& grant_id, UnixSeconds now) override;
  std::size_t revoke_user_grants(const std::string& user_id, UnixSeconds now) override;
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override;

 private:
  ConnectionPool& pool_;
};

class PgNodeStore final : public cluster::NodeStore {
 public:
  explicit PgNodeStore(ConnectionPool& pool) : pool_(pool) {}
  cluster::JoinResult join(const cluster::NodeRecord& self, UnixMillis live_window) override;
  bool check_in(const cluster::NodeRecord& self) override;
  void leave(const std::string& node_id, const std::string& instance, UnixMillis now) override;
  std::vector<cluster::NodeRecord> list() override;
  std::vector<cluster::NodeRecord> mark_recovering(UnixMillis silent_since) override;
  std::vector<cluster::NodeRecord> remove_dead(UnixMillis silent_since) override;

 private:
  ConnectionPool& pool_;
};

class PgEventStore final : public cluster::EventStore {
 public:
  explicit PgEventStore(ConnectionPool& pool) : pool_(pool) {}
  std::int64_t latest_seq() override;
  std::vector<cluster::ClusterEvent> read_after(std::int64_t after, std::size_t limit) override;
  std::int64_t append(const std::string& kind, const std::string& key, UnixMillis now) override;
  std::size_t purge_before(UnixMillis before, std::size_t limit) override;

 private:
  ConnectionPool& pool_;
};

class PgJobStore final : public cluster::JobStore {
 public:
  explicit PgJobStore(ConnectionPool& pool) : pool_(pool) {}
  void ensure(const std::string& name, UnixMillis first_run) override;
  std::optional<cluster::Claim> claim(const std::string& name, const std::string& owner, UnixMillis now,
                                      UnixMillis lease) override;
  bool finish(const std::string& name, const cluster::Claim& claim, const std::string& owner, UnixMillis now,
              UnixMillis next_run, const std::string& outcome, const std::string& detail) override;
  std::size_t release_owner(const std::string& owner, UnixMillis now) override;
  bool make_due(const std::string& name, UnixMillis now) override;
  std::vector<cluster::JobInfo> list() override;
  std::vector<cluster::JobRun> runs(const std::string& job, std::size_t limit) override;
  std::size_t purge_runs(UnixMillis before, std::size_t limit) override;

 private:
  ConnectionPool& pool_;
};

/// A size_t count as a bigint parameter (LIMIT/OFFSET), saturating.
std::int64_t to_sql_count(std::size_t n);

}  // namespace gatehouse::storage::postgres
