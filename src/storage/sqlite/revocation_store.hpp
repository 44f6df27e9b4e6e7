#pragma once
// token::RevocationStore, token::ReplayStore and limits::CounterStore on SQLite.

#include "limits/counter_store.hpp"
#include "storage/sqlite/connection_pool.hpp"
#include "token/replay_store.hpp"
#include "token/revocation_store.hpp"

namespace gatehouse::storage::sqlite {

class SqliteRevocationStore final : public token::RevocationStore {
 public:
  explicit SqliteRevocationStore(ConnectionPool& pool) : pool_(pool) {}
  void revoke(const std::string& jti, UnixSeconds expires_at) override;
  bool is_revoked(const std::string& jti) override;
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override;

 private:
  ConnectionPool& pool_;
};

class SqliteReplayStore final : public token::ReplayStore {
 public:
  explicit SqliteReplayStore(ConnectionPool& pool) : pool_(pool) {}
  bool first_use(const std::string& key, UnixSeconds expires_at, UnixSeconds now) override;
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override;

 private:
  ConnectionPool& pool_;
};

class SqliteCounterStore final : public limits::CounterStore {
 public:
  explicit SqliteCounterStore(ConnectionPool& pool) : pool_(pool) {}
  std::int64_t hit(const std::string& key, UnixSeconds expires_at) override;
  std::int64_t hits(const std::string& key) override;
  void release(const std::string& key) override;
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override;

 private:
  ConnectionPool& pool_;
};

}  // namespace gatehouse::storage::sqlite
