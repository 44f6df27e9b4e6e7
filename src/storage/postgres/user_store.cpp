// user::UserStore on PostgreSQL: the listing, the writes (the unique indexes keep usernames and
// emails unique) and the failed sign-in counter (storage/user_store.hpp has the rest).
#include "storage/user_store.hpp"

#include "storage/postgres/connection.hpp"
#include "storage/sql_count.hpp"

namespace gatehouse::storage {
using namespace postgres;  // this file is the PostgreSQL side of SqlUserStore
namespace {

// One failed sign-in in one statement: the upsert locks the counter row, so concurrent failures
// on any number of nodes are applied one after another, each to the latest count. The rules are
// SQLite's read-modify-write: a new window starts when there is no count or the window is over;
// reaching the threshold locks until now + lock_seconds. In the UPDATE, f.* is the old row.
// $1 login_name, $2 now, $3 window, $4 threshold, $5 lock_seconds.
constexpr Query kRecordFailedLogin{"record_login_failure", R"sql(
INSERT INTO login_failures AS f (login_name, count, window_started_at, locked_until)
VALUES ($1, 1, $2, CASE WHEN 1 >= $4 THEN $2 + $5 ELSE 0 END)
ON CONFLICT (login_name) DO UPDATE SET
  count = CASE WHEN f.count = 0 OR $2 - f.window_started_at >= $3 THEN 1 ELSE f.count + 1 END,
  window_started_at = CASE WHEN f.count = 0 OR $2 - f.window_started_at >= $3 THEN $2 ELSE f.window_started_at END,
  locked_until = CASE
    WHEN (CASE WHEN f.count = 0 OR $2 - f.window_started_at >= $3 THEN 1 ELSE f.count + 1 END) >= $4 THEN $2 + $5
    ELSE f.locked_until END
RETURNING count, window_started_at, locked_until)sql"};

/// Runs an INSERT or UPDATE of a user; a unique index refusing it is "taken", not a fault. No
/// check-then-write: the index decides, also between two nodes writing the same name at once.
user::UserWriteResult write_user(Connection& connection, const Query& query, const Params& params) {
  try {
    if (connection.execute(query, params).affected() != 1) return user::UserWriteResult::kNotFound;
    return user::UserWriteResult::kOk;
  } catch (const PgError& e) {
    if (e.sqlstate() != kUniqueViolation) throw;
    if (e.constraint() == "users_username_key") return user::UserWriteResult::kUsernameTaken;
    if (e.constraint() == "users_email_key") return user::UserWriteResult::kEmailTaken;
    if (e.constraint() == "users_source_link") return user::UserWriteResult::kLinkTaken;
    throw;  // users_pkey: an insert with an id that exists (ids are random: a fault, as on SQLite)
  }
}

}  // namespace

template <>
user::UserPage SqlUserStore<postgres::Connection>::list(const user::UserFilter& filter, std::size_t offset, std::size_t limit) {
  if (!is_storable_text(filter.username) || !is_storable_text(filter.email)) return {};  // matches nobody
  auto connection = pool_.acquire();
  Params params;
  params.text(filter.username).text(filter.email).int8(to_sql_count(limit)).int8(to_sql_count(offset));
  const auto result = connection->execute(user_sql::kList.postgres, params);
  user::UserPage page;
  for (int i = 0; i < result.rows(); ++i) {
    const Row row = result.row(i);
    page.total = static_cast<std::size_t>(row.int8(0));
    if (!row.is_null(1)) page.items.push_back(user_from_row(row, 1));
  }
  return page;
}

template <>
user::UserWriteResult SqlUserStore<postgres::Connection>::insert(const user::User& u) {
  auto connection = pool_.acquire();
  Params params;
  user_params(params, u);
  return write_user(*connection, user_sql::kInsert, params);
}

template <>
user::UserWriteResult SqlUserStore<postgres::Connection>::update(const user::User& u) {
  auto connection = pool_.acquire();
  Params params;
  user_params(params, u);
  params.int8(u.version);
  const auto result = write_user(*connection, user_sql::kUpdate, params);
  if (result != user::UserWriteResult::kNotFound) return result;
  return connection->execute(user_sql::kExists, Params().text(u.id)).empty() ? user::UserWriteResult::kNotFound
                                                                             : user::UserWriteResult::kStale;
}

template <>
user::UserWriteResult SqlUserStore<postgres::Connection>::refresh_linked(const user::User& u) {
  auto connection = pool_.acquire();
  Params params;
  user_params(params, u);
  return write_user(*connection, user_sql::kRefreshLinked, params);
}

template <>
user::FailedLogins SqlUserStore<postgres::Connection>::record_failed_login(const std::string& login_name, UnixSeconds now, UnixSeconds window,
                                                    int threshold, UnixSeconds lock_seconds) {
  auto connection = pool_.acquire();
  Params params;
  params.bytea(login_name).int8(now).int8(window).int8(threshold).int8(lock_seconds);
  const auto result = connection->execute(kRecordFailedLogin, params);
  const Row r = result.row(0);
  return user::FailedLogins{static_cast<int>(r.int8(0)), r.int8(1), r.int8(2)};
}

}  // namespace gatehouse::storage
