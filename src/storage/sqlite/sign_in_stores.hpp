#pragma once
// The sign-in state on SQLite: login transactions, SSO sessions and authorization codes.

#include "session/sso_session_store.hpp"
#include "signin/transaction.hpp"
#include "storage/sqlite/connection_pool.hpp"
#include "token/code_store.hpp"

namespace gatehouse::storage::sqlite {

class SqliteLoginTransactionStore final : public signin::TransactionStore {
 public:
  explicit SqliteLoginTransactionStore(ConnectionPool& pool) : pool_(pool) {}
  void insert(const signin::SignInTransaction& tx) override;
  std::optional<signin::SignInTransaction> find(const std::string& id, UnixSeconds now) override;
  bool record_step(const signin::SignInTransaction& after, std::string_view expected_amr, UnixSeconds now) override;
  bool consume(const std::string& id) override;
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override;

 private:
  ConnectionPool& pool_;
};

class SqliteSsoSessionStore final : public session::SsoSessionStore {
 public:
  explicit SqliteSsoSessionStore(ConnectionPool& pool) : pool_(pool) {}
  void insert(const session::SsoSession& s) override;
  std::optional<session::SsoSession> find(const std::string& id_hash, UnixSeconds now, UnixSeconds idle_timeout) override;
  bool touch(const std::string& id_hash, UnixSeconds now) override;
  bool add_participant(const std::string& id_hash, const session::Participant& participant) override;
  bool revoke_by_sid(const std::string& sid) override;
  std::size_t revoke_user(const std::string& user_id) override;
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override;

 private:
  ConnectionPool& pool_;
};

class SqliteCodeStore final : public token::CodeStore {
 public:
  explicit SqliteCodeStore(ConnectionPool& pool) : pool_(pool) {}
  void insert(const token::AuthorizationCode& code) override;
  std::optional<token::AuthorizationCode> find(const std::string& code_hash) override;
  bool mark_used(const std::string& code_hash, UnixSeconds now) override;
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override;

 private:
  ConnectionPool& pool_;
};

}  // namespace gatehouse::storage::sqlite
