// signin::TransactionStore on PostgreSQL: the sign-in transactions (login_transactions).
#include "storage/transaction_store.hpp"

#include "storage/postgres/connection.hpp"
#include "storage/sign_in_columns.hpp"

namespace gatehouse::storage {
using namespace postgres;  // this file is the PostgreSQL side of SqlTransactionStore
namespace {

// The column order every query shares; transaction_from_row() and insert() depend on it.
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
// A bounded batch, oldest first (STYLE C11). FOR UPDATE SKIP LOCKED in the inner SELECT:
// concurrent purgers (two nodes) take disjoint rows and never wait on each other or on a request
// that is writing the row; the row lock also keeps the row as selected until it is deleted.
constexpr Query kPurgeTransactions{"purge_login_transactions", R"sql(
DELETE FROM login_transactions WHERE id IN (
  SELECT id FROM login_transactions WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED))sql"};
#undef GH_TX_COLUMNS

}  // namespace

template <>
void SqlTransactionStore<postgres::Connection>::insert(const signin::SignInTransaction& t) {
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

template <>
std::optional<signin::SignInTransaction> SqlTransactionStore<postgres::Connection>::find(const std::string& id,
                                                                                         UnixSeconds now) {
  if (!is_storable_text(id)) return std::nullopt;  // the login form's field, unvalidated
  auto connection = pool_.acquire();
  const auto result = connection->execute(kFindTransaction, Params().text(id).int8(now));
  if (result.empty()) return std::nullopt;
  return transaction_from_row(result.row(0));
}

template <>
bool SqlTransactionStore<postgres::Connection>::record_step(const signin::SignInTransaction& after,
                                                            std::string_view expected_amr, UnixSeconds now) {
  if (!is_storable_text(after.id)) return false;
  auto connection = pool_.acquire();
  Params params;
  params.text(after.id).text(after.user_id).text(after.amr).text(after.acr).text(expected_amr).int8(now);
  return connection->execute(kRecordStep, params).affected() == 1;
}

template <>
bool SqlTransactionStore<postgres::Connection>::consume(const std::string& id) {
  if (!is_storable_text(id)) return false;
  auto connection = pool_.acquire();
  return connection->execute(kDeleteTransaction, Params().text(id)).affected() == 1;
}

template <>
std::size_t SqlTransactionStore<postgres::Connection>::purge_expired(UnixSeconds now, std::size_t limit) {
  return purge_batch(pool_, kPurgeTransactions, now, limit);
}

}  // namespace gatehouse::storage
