#pragma once
// signin::TransactionStore on SQL (the login_transactions table), declared once for both
// backends. Each backend defines the member functions for its own connection type (explicit
// specializations) in storage/<backend>/transaction_store.cpp, in its own dialect; both keep the
// previous release's OIDC columns through storage/sign_in_columns.hpp.

#include "signin/transaction.hpp"
#include "storage/connection_pool.hpp"
#include "storage/sign_in_columns.hpp"

namespace gatehouse::storage {

/// A login_transactions row read in the column order both backends' transaction queries share:
/// id, csrf_hash, the previous release's OIDC columns (client_id ... prompt, read by
/// sign_in_columns), login_hint, max_age, created_at, expires_at, kind, continuation, service,
/// fresh, requested_acr, user_id, amr, acr. `Row` is sqlite::Statement or postgres::Row.
template <class Row>
signin::SignInTransaction transaction_from_row(const Row& r) {
  signin::SignInTransaction t;
  t.id = r.text(0);
  t.csrf_hash = r.blob(1);
  t.login_hint = r.text(12);
  if (!r.is_null(13)) t.max_age = r.int64(13);
  t.created_at = r.int64(14);
  t.expires_at = r.int64(15);
  t.continuation = {r.text(16), r.blob(17)};
  t.service = r.text(18);
  t.fresh = r.boolean(19);
  t.requested_acr = r.blob(20);
  t.user_id = r.text(21);
  t.amr = r.text(22);
  t.acr = r.text(23);
  sign_in_columns::read_legacy_oidc_columns(t, r, 2);
  return t;
}

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
