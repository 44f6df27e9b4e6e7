#pragma once
// signin::TransactionStore on SQL (the sign-in transactions, login_transactions), written once for
// both backends (storage/query.hpp); the previous release's OIDC columns are kept through
// storage/sign_in_columns.hpp.

#include "signin/transaction.hpp"
#include "storage/connection_pool.hpp"
#include "storage/query.hpp"
#include "storage/sign_in_columns.hpp"

namespace gatehouse::storage {

namespace transaction_sql {
// The column order every query shares; transaction_from_row() and insert() depend on it.
#define GH_TX_COLUMNS                                                                                        \
  "id, csrf_hash, client_id, redirect_uri, response_type, response_mode, scope, state, nonce, code_challenge, " \
  "code_challenge_method, prompt, login_hint, max_age, created_at, expires_at, kind, continuation, service, fresh, " \
  "requested_acr, user_id, amr, acr"
inline constexpr Query kInsert{"insert_login_transaction", "INSERT INTO login_transactions (" GH_TX_COLUMNS
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, "
    "$24)"};
inline constexpr Query kFind{"find_login_transaction",
    "SELECT " GH_TX_COLUMNS " FROM login_transactions WHERE id = $1 AND expires_at > $2"};
#undef GH_TX_COLUMNS
// Compare-and-set on amr: the step the caller read is still the last one recorded. On PostgreSQL a
// racing second UPDATE waits on the row lock, re-checks amr on the committed row and changes nothing.
inline constexpr Query kRecordStep{"record_login_transaction_step",
    "UPDATE login_transactions SET user_id = $2, amr = $3, acr = $4 WHERE id = $1 AND amr = $5 AND expires_at > $6",
    OnLoss::kRepeat};
// A racing second DELETE waits for the first to commit, then finds nothing: one winner.
inline constexpr Query kDelete{"delete_login_transaction", "DELETE FROM login_transactions WHERE id = $1"};
inline const PurgeQuery kPurge{"purge_login_transactions", "login_transactions", "id", "expires_at <= $1", "expires_at"};
}  // namespace transaction_sql

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

/// The same columns as parameters $1 ... $24; `old` is sign_in_columns::legacy_oidc_columns(t).
/// state, nonce and login_hint: any bytes (bytea on PostgreSQL, TEXT on SQLite). `Params` is
/// postgres::Params or sqlite::Binder.
template <class Params>
Params& transaction_params(Params& p, const signin::SignInTransaction& t, const oidc::AuthorizationRequest& old) {
  return p.text(t.id)
      .bytea(t.csrf_hash)
      .text(old.client_id)
      .text(old.redirect_uri)
      .text(old.response_type)
      .text(old.response_mode)
      .text(old.scope)
      .any_text(old.state)
      .any_text(old.nonce)
      .text(old.code_challenge)
      .text(old.code_challenge_method)
      .text(old.prompt)
      .any_text(t.login_hint)
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
}

template <class Connection>
class SqlTransactionStore final : public signin::TransactionStore {
 public:
  explicit SqlTransactionStore(ConnectionPool<Connection>& pool) : pool_(pool) {}

  void insert(const signin::SignInTransaction& t) override {
    const auto old = sign_in_columns::legacy_oidc_columns(t);
    auto connection = pool_.acquire();
    run(*connection, transaction_sql::kInsert, [&](auto& p) { transaction_params(p, t, old); });
  }

  std::optional<signin::SignInTransaction> find(const std::string& id, UnixSeconds now) override {
    if (!Connection::storable_text(id)) return std::nullopt;  // the login form's field, unvalidated
    auto connection = pool_.acquire();
    return first_row(
        *connection, transaction_sql::kFind, [&](auto& p) { p.text(id).int8(now); },
        [](const auto& row) { return transaction_from_row(row); });
  }

  bool record_step(const signin::SignInTransaction& after, std::string_view expected_amr, UnixSeconds now) override {
    if (!Connection::storable_text(after.id)) return false;
    auto connection = pool_.acquire();
    return run(*connection, transaction_sql::kRecordStep, [&](auto& p) {
             p.text(after.id).text(after.user_id).text(after.amr).text(after.acr).text(expected_amr).int8(now);
           }) == 1;
  }

  bool consume(const std::string& id) override {
    if (!Connection::storable_text(id)) return false;
    auto connection = pool_.acquire();
    return run(*connection, transaction_sql::kDelete, [&](auto& p) { p.text(id); }) == 1;
  }

  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override {
    return purge_batch(pool_, in_dialect<Connection>(transaction_sql::kPurge), now, limit);
  }

 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
