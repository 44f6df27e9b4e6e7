#pragma once
// token::CodeStore on SQL (authorization codes), declared once for both backends. Each backend
// defines the member functions for its own connection type (explicit specializations) in
// storage/<backend>/code_store.cpp, in its own dialect.

#include "storage/connection_pool.hpp"
#include "token/code_store.hpp"

namespace gatehouse::storage {

template <class Connection>
class SqlCodeStore final : public token::CodeStore {
 public:
  explicit SqlCodeStore(ConnectionPool<Connection>& pool) : pool_(pool) {}
  void insert(const token::AuthorizationCode& code) override;
  std::optional<token::AuthorizationCode> find(const std::string& code_hash) override;
  bool mark_used(const std::string& code_hash, UnixSeconds now) override;
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override;

 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
