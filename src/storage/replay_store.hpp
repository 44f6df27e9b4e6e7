#pragma once
// token::ReplayStore on SQL, declared once for both backends. Each backend defines the member
// functions for its own connection type (explicit specializations) in
// storage/<backend>/replay_store.cpp, in its own dialect.

#include "token/replay_store.hpp"
#include "storage/connection_pool.hpp"

namespace gatehouse::storage {

template <class Connection>
class SqlReplayStore final : public token::ReplayStore {
 public:
  explicit SqlReplayStore(ConnectionPool<Connection>& pool) : pool_(pool) {}
  bool first_use(const std::string& key, UnixSeconds expires_at, UnixSeconds now) override;
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override;


 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
