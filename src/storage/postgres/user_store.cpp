// user::UserStore on PostgreSQL.
#include "storage/user_store.hpp"

#include "storage/postgres/connection.hpp"
#include "storage/sql_count.hpp"

namespace gatehouse::storage {
using namespace postgres;  // this file is the PostgreSQL side of SqlUserStore
namespace {

// The column order every query shares; read_user() and user_params() depend on it.
#define GH_USER_COLUMNS                                                                                   \
  "id, username, email, email_verified, name, given_name, family_name, middle_name, nickname, picture, " \
  "locale, phone_number, phone_number_verified, active, password_hash, created_at, updated_at"

// Usernames and emails compare through gh_ascii_lower (0001_initial.sql), the expression the
// unique indexes are built on, so these lookups use them.
// What every read adds to the written columns (read_user() reads them at 17 and 18).
#define GH_USER_READ GH_USER_COLUMNS ", version, tokens_valid_after"

constexpr Query kFindUser{"find_user", "SELECT " GH_USER_READ " FROM users WHERE id = $1"};
constexpr Query kFindUserByUsername{"find_user_by_username",
    "SELECT " GH_USER_READ " FROM users WHERE gh_ascii_lower(username) = gh_ascii_lower($1)"};
// $1 / $2: exact username / email filters, '' = any. Total and page from one snapshot (see
// list_clients).
constexpr Query kListUsers{"list_users", R"sql(
SELECT n.total, p.* FROM (
    SELECT count(*) AS total FROM users
     WHERE ($1 = '' OR gh_ascii_lower(username) = gh_ascii_lower($1))
       AND ($2 = '' OR gh_ascii_lower(email) = gh_ascii_lower($2))) n
  LEFT JOIN LATERAL (
    SELECT )sql" GH_USER_READ R"sql(, gh_ascii_lower(username) AS sort_key FROM users
     WHERE ($1 = '' OR gh_ascii_lower(username) = gh_ascii_lower($1))
       AND ($2 = '' OR gh_ascii_lower(email) = gh_ascii_lower($2))
     ORDER BY sort_key LIMIT $3 OFFSET $4) p ON true
 ORDER BY p.sort_key)sql"};
constexpr Query kInsertUser{"insert_user", "INSERT INTO users (" GH_USER_COLUMNS R"sql()
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17))sql"};
// The profile and active, if the version is still $18 (the port's contract); $15 and $16 (the
// password hash and created_at) are bound but unused.
constexpr Query kUpdateUser{"update_user", R"sql(
UPDATE users SET username = $2, email = $3, email_verified = $4, name = $5, given_name = $6,
                 family_name = $7, middle_name = $8, nickname = $9, picture = $10, locale = $11,
                 phone_number = $12, phone_number_verified = $13, active = $14,
                 updated_at = $17, version = version + 1
 WHERE id = $1 AND version = $18)sql"};
constexpr Query kUserExists{"user_exists", "SELECT 1 FROM users WHERE id = $1"};
constexpr Query kSetPasswordHash{"set_password_hash",
    "UPDATE users SET password_hash = $2, updated_at = $3, version = version + 1 WHERE id = $1"};
constexpr Query kRehashPassword{"rehash_password",
    "UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2"};
constexpr Query kRevokeTokensBefore{"revoke_user_tokens_before",
    "UPDATE users SET tokens_valid_after = greatest(tokens_valid_after, $2) WHERE id = $1"};
constexpr Query kDeleteUser{"delete_user", "DELETE FROM users WHERE id = $1"};
#undef GH_USER_READ
#undef GH_USER_COLUMNS

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
constexpr Query kSelectFailed{"select_login_failures",
    "SELECT count, window_started_at, locked_until FROM login_failures WHERE login_name = $1"};
constexpr Query kDeleteFailed{"delete_login_failures", "DELETE FROM login_failures WHERE login_name = $1"};
// Bounded batches (STYLE C11). SKIP LOCKED: concurrent purgers take disjoint rows instead of
// queueing on each other, and a counter a sign-in is updating right now is left for next time.
constexpr Query kPurgeFailed{"purge_login_failures", R"sql(
DELETE FROM login_failures WHERE login_name IN (
  SELECT login_name FROM login_failures WHERE window_started_at < $1 AND locked_until < $1
   LIMIT $2 FOR UPDATE SKIP LOCKED))sql"};

// `first`: the index of the id column (list_users puts the total before it).
user::User read_user(const Row& r, int first = 0) {
  user::User u;
  u.id = r.text(first + 0);
  u.username = r.text(first + 1);
  u.email = r.text(first + 2);
  u.email_verified = r.boolean(first + 3);
  u.name = r.text(first + 4);
  u.given_name = r.text(first + 5);
  u.family_name = r.text(first + 6);
  u.middle_name = r.text(first + 7);
  u.nickname = r.text(first + 8);
  u.picture = r.text(first + 9);
  u.locale = r.text(first + 10);
  u.phone_number = r.text(first + 11);
  u.phone_number_verified = r.boolean(first + 12);
  u.active = r.boolean(first + 13);
  u.password_hash = r.text(first + 14);
  u.created_at = r.int8(first + 15);
  u.updated_at = r.int8(first + 16);
  u.version = r.int8(first + 17);
  u.tokens_valid_after = r.int8(first + 18);
  return u;
}

Params user_params(const user::User& u) {
  Params p;
  p.text(u.id)
      .text(u.username)
      .text(u.email)
      .boolean(u.email_verified)
      .text(u.name)
      .text(u.given_name)
      .text(u.family_name)
      .text(u.middle_name)
      .text(u.nickname)
      .text(u.picture)
      .text(u.locale)
      .text(u.phone_number)
      .boolean(u.phone_number_verified)
      .boolean(u.active)
      .text(u.password_hash)
      .int8(u.created_at)
      .int8(u.updated_at);
  return p;
}

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
    throw;  // users_pkey: an insert with an id that exists (ids are random: a fault, as on SQLite)
  }
}

}  // namespace

template <>
std::optional<user::User> SqlUserStore<postgres::Connection>::find(const std::string& id) {
  if (!is_storable_text(id)) return std::nullopt;
  auto connection = pool_.acquire();
  const auto result = connection->execute(kFindUser, Params().text(id));
  if (result.empty()) return std::nullopt;
  return read_user(result.row(0));
}

template <>
std::optional<user::User> SqlUserStore<postgres::Connection>::find_by_username(const std::string& username) {
  if (!is_storable_text(username)) return std::nullopt;  // the login form's field, unvalidated
  auto connection = pool_.acquire();
  const auto result = connection->execute(kFindUserByUsername, Params().text(username));
  if (result.empty()) return std::nullopt;
  return read_user(result.row(0));
}

template <>
user::UserPage SqlUserStore<postgres::Connection>::list(const user::UserFilter& filter, std::size_t offset, std::size_t limit) {
  if (!is_storable_text(filter.username) || !is_storable_text(filter.email)) return {};  // matches nobody
  auto connection = pool_.acquire();
  Params params;
  params.text(filter.username).text(filter.email).int8(to_sql_count(limit)).int8(to_sql_count(offset));
  const auto result = connection->execute(kListUsers, params);
  user::UserPage page;
  for (int i = 0; i < result.rows(); ++i) {
    const Row row = result.row(i);
    page.total = static_cast<std::size_t>(row.int8(0));
    if (!row.is_null(1)) page.items.push_back(read_user(row, 1));
  }
  return page;
}

template <>
user::UserWriteResult SqlUserStore<postgres::Connection>::insert(const user::User& u) {
  auto connection = pool_.acquire();
  return write_user(*connection, kInsertUser, user_params(u));
}

template <>
user::UserWriteResult SqlUserStore<postgres::Connection>::update(const user::User& u) {
  auto connection = pool_.acquire();
  Params params = user_params(u);
  params.int8(u.version);
  const auto result = write_user(*connection, kUpdateUser, params);
  if (result != user::UserWriteResult::kNotFound) return result;
  return connection->execute(kUserExists, Params().text(u.id)).empty() ? user::UserWriteResult::kNotFound
                                                                        : user::UserWriteResult::kStale;
}

template <>
bool SqlUserStore<postgres::Connection>::set_password_hash(const std::string& id, const std::string& hash, UnixSeconds now) {
  if (!is_storable_text(id)) return false;
  auto connection = pool_.acquire();
  return connection->execute(kSetPasswordHash, Params().text(id).text(hash).int8(now)).affected() == 1;
}

template <>
bool SqlUserStore<postgres::Connection>::rehash_password(const std::string& id, const std::string& old_hash, const std::string& new_hash) {
  if (!is_storable_text(id)) return false;
  auto connection = pool_.acquire();
  return connection->execute(kRehashPassword, Params().text(id).text(old_hash).text(new_hash)).affected() == 1;
}

template <>
bool SqlUserStore<postgres::Connection>::revoke_tokens_before(const std::string& id, UnixSeconds t) {
  if (!is_storable_text(id)) return false;
  auto connection = pool_.acquire();
  return connection->execute(kRevokeTokensBefore, Params().text(id).int8(t)).affected() == 1;
}

template <>
bool SqlUserStore<postgres::Connection>::remove(const std::string& id) {
  if (!is_storable_text(id)) return false;
  auto connection = pool_.acquire();
  return connection->execute(kDeleteUser, Params().text(id)).affected() == 1;
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

template <>
user::FailedLogins SqlUserStore<postgres::Connection>::failed_logins(const std::string& login_name) {
  auto connection = pool_.acquire();
  const auto result = connection->execute(kSelectFailed, Params().bytea(login_name));
  if (result.empty()) return {};
  const Row r = result.row(0);
  return user::FailedLogins{static_cast<int>(r.int8(0)), r.int8(1), r.int8(2)};
}

template <>
void SqlUserStore<postgres::Connection>::reset_failed_logins(const std::string& login_name) {
  auto connection = pool_.acquire();
  connection->execute(kDeleteFailed, Params().bytea(login_name));
}

template <>
std::size_t SqlUserStore<postgres::Connection>::purge_failed_logins(UnixSeconds older_than, std::size_t limit) {
  return purge_batch(pool_, kPurgeFailed, older_than, limit);
}

}  // namespace gatehouse::storage
