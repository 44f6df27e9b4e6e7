#pragma once
// token::RevocationStore on SQL, declared once for both backends. Each backend defines the member
// functions for its own connection type (explicit specializations) in
// storage/<backend>/revocation_store.cpp, in its own dialect.

#include "token/revocation_store.hpp"
#include "storage/connection_pool.hpp"

namespace gatehouse::storage {

template <class Connection>
class SqlRevocationStore final : public token::RevocationStore {
 public:
  explicit SqlRevocationStore(ConnectionPool<Connection>& pool) : pool_(pool) {}
  void revoke(const std::string& jti, UnixSeconds expires_at) override;
  bool is_revoked(const std::string& jti) override;
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override;


 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
