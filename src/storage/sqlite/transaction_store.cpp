// signin::TransactionStore on SQLite: the sign-in transactions (login_transactions).
#include "storage/transaction_store.hpp"

#include "storage/sign_in_columns.hpp"
#include "storage/sqlite/connection.hpp"

namespace gatehouse::storage {
using namespace sqlite;  // this file is the SQLite side of SqlTransactionStore
namespace {

// The column order every query shares; transaction_from_row() and insert() depend on it.
#define GH_TX_COLUMNS                                                                                        \
  "id, csrf_hash, client_id, redirect_uri, response_type, response_mode, scope, state, nonce, code_challenge, " \
  "code_challenge_method, prompt, login_hint, max_age, created_at, expires_at, kind, continuation, service, fresh, " \
  "requested_acr, user_id, amr, acr"

constexpr Query kInsertTransaction{"insert_login_transaction", "INSERT INTO login_transactions (" GH_TX_COLUMNS
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, "
    "?24)"};
constexpr Query kFindTransaction{"find_login_transaction",
    "SELECT " GH_TX_COLUMNS " FROM login_transactions WHERE id = ?1 AND expires_at > ?2"};
// Compare-and-set on amr: the step the caller read is still the last one recorded.
constexpr Query kRecordStep{"record_login_transaction_step",
    "UPDATE login_transactions SET user_id = ?2, amr = ?3, acr = ?4 WHERE id = ?1 AND amr = ?5 AND expires_at > ?6"};
constexpr Query kDeleteTransaction{"delete_login_transaction", "DELETE FROM login_transactions WHERE id = ?1"};
// A bounded batch (STYLE C11), oldest first, so one purge never holds the write lock for long.
constexpr Query kPurgeTransactions{"purge_login_transactions", R"sql(
DELETE FROM login_transactions WHERE rowid IN (
  SELECT rowid FROM login_transactions WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2))sql"};
#undef GH_TX_COLUMNS

}  // namespace

template <>
void SqlTransactionStore<sqlite::Connection>::insert(const signin::SignInTransaction& t) {
  const auto old = sign_in_columns::legacy_oidc_columns(t);
  auto connection = pool_.acquire();
  Statement s(*connection, kInsertTransaction);
  s.bind_text(1, t.id)
      .bind_blob(2, t.csrf_hash)
      .bind_text(3, old.client_id)
      .bind_text(4, old.redirect_uri)
      .bind_text(5, old.response_type)
      .bind_text(6, old.response_mode)
      .bind_text(7, old.scope)
      .bind_text(8, old.state)
      .bind_text(9, old.nonce)
      .bind_text(10, old.code_challenge)
      .bind_text(11, old.code_challenge_method)
      .bind_text(12, old.prompt)
      .bind_text(13, t.login_hint);
  if (t.max_age) s.bind_int(14, *t.max_age);
  else s.bind_null(14);
  s.bind_int(15, t.created_at)
      .bind_int(16, t.expires_at)
      .bind_text(17, t.continuation.kind)
      .bind_blob(18, t.continuation.payload)
      .bind_text(19, t.service)
      .bind_int(20, t.fresh ? 1 : 0)
      .bind_blob(21, t.requested_acr)
      .bind_text(22, t.user_id)
      .bind_text(23, t.amr)
      .bind_text(24, t.acr)
      .run();
}

template <>
std::optional<signin::SignInTransaction> SqlTransactionStore<sqlite::Connection>::find(const std::string& id,
                                                                                       UnixSeconds now) {
  auto connection = pool_.acquire();
  Statement s(*connection, kFindTransaction);
  s.bind_text(1, id).bind_int(2, now);
  if (!s.step()) return std::nullopt;
  return transaction_from_row(s);
}

template <>
bool SqlTransactionStore<sqlite::Connection>::record_step(const signin::SignInTransaction& after,
                                                          std::string_view expected_amr, UnixSeconds now) {
  auto connection = pool_.acquire();
  Statement s(*connection, kRecordStep);
  s.bind_text(1, after.id)
      .bind_text(2, after.user_id)
      .bind_text(3, after.amr)
      .bind_text(4, after.acr)
      .bind_text(5, expected_amr)
      .bind_int(6, now)
      .run();
  return connection->changes() == 1;
}

template <>
bool SqlTransactionStore<sqlite::Connection>::consume(const std::string& id) {
  auto connection = pool_.acquire();
  Statement s(*connection, kDeleteTransaction);
  s.bind_text(1, id).run();
  return connection->changes() == 1;
}

template <>
std::size_t SqlTransactionStore<sqlite::Connection>::purge_expired(UnixSeconds now, std::size_t limit) {
  return purge_batch(pool_, kPurgeTransactions, now, limit);
}

}  // namespace gatehouse::storage
