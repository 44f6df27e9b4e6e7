#pragma once
// signin::TransactionStore on SQL (the login_transactions table), declared once for both
// backends. Each backend defines the member functions for its own connection type (explicit
// specializations) in storage/<backend>/transaction_store.cpp, in its own dialect; both keep the
// previous release's OIDC columns through storage/sign_in_columns.hpp.

#include "signin/transaction.hpp"
#include "storage/connection_pool.hpp"

namespace gatehouse::storage {

template <class Connection>
class SqlTransactionStore final : public signin::TransactionStore {
 public:
  explicit SqlTransactionStore(ConnectionPool<Connection>& pool) : pool_(pool) {}
  void insert(const signin::SignInTransaction& tx) override;
  std::optional<signin::SignInTransaction> find(const std::string& id, UnixSeconds now) override;
  bool record_step(const signin::SignInTransaction& after, std::string_view expected_amr, UnixSeconds now) override;
  bool consume(const std::string& id) override;
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override;

 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
