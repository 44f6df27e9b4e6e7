#pragma once
// user::UserStore on SQL, declared once for both backends. What both do alike is written here once
// (storage/query.hpp); each backend defines the rest for its own connection type (explicit
// specializations) in storage/<backend>/user_store.cpp: the listing, the writes that must keep
// usernames and emails unique, and the failed sign-in counter, which the two serialize differently.

#include "storage/connection_pool.hpp"
#include "storage/query.hpp"
#include "user/user_store.hpp"

namespace gatehouse::storage {

namespace user_sql {
// The column order every query shares; user_from_row() and user_params() depend on it.
#define GH_USER_COLUMNS                                                                                   \
  "id, username, email, email_verified, name, given_name, family_name, middle_name, nickname, picture, " \
  "locale, phone_number, phone_number_verified, active, password_hash, created_at, updated_at, source, " \
  "external_id, groups"
// What every read adds to the written columns (user_from_row() reads them at 20 and 21).
#define GH_USER_READ GH_USER_COLUMNS ", version, tokens_valid_after"
inline constexpr Query kFind{"find_user", "SELECT " GH_USER_READ " FROM users WHERE id = $1"};
// Usernames compare without case: on SQLite through the column's NOCASE collation; on PostgreSQL
// through gh_ascii_lower (0001_initial.sql), the expression the unique index is built on.
inline constexpr DialectQuery kFindByUsername{
    {"find_user_by_username", "SELECT " GH_USER_READ " FROM users WHERE username = $1"},
    {"find_user_by_username",
     "SELECT " GH_USER_READ " FROM users WHERE gh_ascii_lower(username) = gh_ascii_lower($1)"}};
// A page of users and their total; $1 / $2: exact username / email filters, '' = any (without case,
// as kFindByUsername). SQLite counts in a second statement (kCount) of the same read transaction;
// PostgreSQL answers the total and the page from one statement, so from one snapshot (the count
// comes first and the page joins it, so an offset past the end still answers with the total).
inline constexpr DialectQuery kList{
    {"list_users", "SELECT " GH_USER_READ R"sql( FROM users
 WHERE ($1 = '' OR username = $1) AND ($2 = '' OR email = $2)
 ORDER BY username LIMIT $3 OFFSET $4)sql"},
    {"list_users", R"sql(
SELECT n.total, p.* FROM (
    SELECT count(*) AS total FROM users
     WHERE ($1 = '' OR gh_ascii_lower(username) = gh_ascii_lower($1))
       AND ($2 = '' OR gh_ascii_lower(email) = gh_ascii_lower($2))) n
  LEFT JOIN LATERAL (
    SELECT )sql" GH_USER_READ R"sql(, gh_ascii_lower(username) AS sort_key FROM users
     WHERE ($1 = '' OR gh_ascii_lower(username) = gh_ascii_lower($1))
       AND ($2 = '' OR gh_ascii_lower(email) = gh_ascii_lower($2))
     ORDER BY sort_key LIMIT $3 OFFSET $4) p ON true
 ORDER BY p.sort_key)sql"}};
inline constexpr Query kCount{"count_users", R"sql(SELECT count(*) FROM users
 WHERE ($1 = '' OR username = $1) AND ($2 = '' OR email = $2))sql"};
inline constexpr Query kFindLinked{"find_linked_user", "SELECT " GH_USER_READ " FROM users WHERE source = $1 AND external_id = $2"};
inline constexpr Query kInsert{"insert_user", "INSERT INTO users (" GH_USER_COLUMNS R"sql()
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20))sql"};
#undef GH_USER_READ
#undef GH_USER_COLUMNS
// The profile and active, if the version is still $21 (the port's contract); $15, $16 and
// $18-$20 (the password hash, created_at and the link) are bound but not written.
inline constexpr Query kUpdate{"update_user", R"sql(
UPDATE users SET username = $2, email = $3, email_verified = $4, name = $5, given_name = $6,
                 family_name = $7, middle_name = $8, nickname = $9, picture = $10, locale = $11,
                 phone_number = $12, phone_number_verified = $13, active = $14,
                 updated_at = $17, version = version + 1
 WHERE id = $1 AND version = $21)sql"};
// What a sign-in through the account's identity source refreshes ($14 active, $15 password hash
// and $16 created_at bound but not written), while the account is linked as $18 / $19 says.
inline constexpr Query kRefreshLinked{"refresh_linked_user", R"sql(
UPDATE users SET username = $2, email = $3, email_verified = $4, name = $5, given_name = $6,
                 family_name = $7, middle_name = $8, nickname = $9, picture = $10, locale = $11,
                 phone_number = $12, phone_number_verified = $13, groups = $20,
                 updated_at = $17, version = version + 1
 WHERE id = $1 AND source = $18 AND external_id = $19)sql"};
inline constexpr Query kExists{"user_exists", "SELECT 1 FROM users WHERE id = $1"};
inline constexpr Query kSetPasswordHash{"set_password_hash",
    "UPDATE users SET password_hash = $2, updated_at = $3, version = version + 1 WHERE id = $1"};
inline constexpr Query kRehashPassword{"rehash_password",
    "UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2"};
inline constexpr Query kChangePasswordHash{"change_password_hash",
    "UPDATE users SET password_hash = $3, updated_at = $4, version = version + 1 WHERE id = $1 AND password_hash = $2"};
// The larger of two values is max() in SQLite and greatest() in PostgreSQL (max() aggregates there).
inline constexpr DialectQuery kRevokeTokensBefore{
    {"revoke_user_tokens_before", "UPDATE users SET tokens_valid_after = max(tokens_valid_after, $2) WHERE id = $1"},
    {"revoke_user_tokens_before",
     "UPDATE users SET tokens_valid_after = greatest(tokens_valid_after, $2) WHERE id = $1"}};
inline constexpr Query kDelete{"delete_user", "DELETE FROM users WHERE id = $1"};

inline constexpr Query kSelectFailed{"select_login_failures",
    "SELECT count, window_started_at, locked_until FROM login_failures WHERE login_name = $1"};
inline constexpr Query kDeleteFailed{"delete_login_failures", "DELETE FROM login_failures WHERE login_name = $1"};
// Any order: a counter a sign-in is updating right now is left for next time (PurgeQuery).
inline const PurgeQuery kPurgeFailed{"purge_login_failures", "login_failures", "login_name",
                                     "window_started_at < $1 AND locked_until < $1", ""};
}  // namespace user_sql

/// A users row in the column order of user_sql's reads, its id at column `first`. `Row` is
/// sqlite::Statement or postgres::Row.
template <class Row>
user::User user_from_row(const Row& r, int first = 0) {
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
  u.created_at = r.int64(first + 15);
  u.updated_at = r.int64(first + 16);
  u.source = r.text(first + 17);
  u.external_id = r.text(first + 18);
  u.groups = r.text_array(first + 19);
  u.version = r.int64(first + 20);
  u.tokens_valid_after = r.int64(first + 21);
  return u;
}

/// user_sql::kInsert's parameters ($1 ... $20; kUpdate adds the version). `Params` is
/// postgres::Params or sqlite::Binder.
template <class Params>
Params& user_params(Params& p, const user::User& u) {
  return p.text(u.id)
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
      .int8(u.updated_at)
      .text(u.source)
      .text(u.external_id)
      .text_array(u.groups);
}

template <class Connection>
class SqlUserStore final : public user::UserStore {
 public:
  explicit SqlUserStore(ConnectionPool<Connection>& pool) : pool_(pool) {}

  std::optional<user::User> find(const std::string& id) override { return find_one(user_sql::kFind, id); }

  std::optional<user::User> find_by_username(const std::string& username) override {
    return find_one(in_dialect<Connection>(user_sql::kFindByUsername), username);  // the login form's field
  }

  std::optional<user::User> find_linked(const std::string& source, const std::string& external_id) override {
    if (source.empty() || !Connection::storable_text(source) || !Connection::storable_text(external_id)) return std::nullopt;
    auto connection = pool_.acquire();
    return first_row(
        *connection, user_sql::kFindLinked, [&](auto& p) { p.text(source).text(external_id); },
        [](const auto& row) { return user_from_row(row); });
  }

  user::UserPage list(const user::UserFilter& filter, std::size_t offset, std::size_t limit) override;
  user::UserWriteResult insert(const user::User& user) override;
  user::UserWriteResult update(const user::User& user) override;
  user::UserWriteResult refresh_linked(const user::User& user) override;

  bool set_password_hash(const std::string& id, const std::string& hash, UnixSeconds now) override {
    if (!Connection::storable_text(id)) return false;
    auto connection = pool_.acquire();
    return run(*connection, user_sql::kSetPasswordHash, [&](auto& p) { p.text(id).text(hash).int8(now); }) == 1;
  }

  bool rehash_password(const std::string& id, const std::string& old_hash, const std::string& new_hash) override {
    if (!Connection::storable_text(id)) return false;
    auto connection = pool_.acquire();
    return run(*connection, user_sql::kRehashPassword, [&](auto& p) { p.text(id).text(old_hash).text(new_hash); }) == 1;
  }

  bool change_password_hash(const std::string& id, const std::string& old_hash, const std::string& new_hash,
                            UnixSeconds now) override {
    if (!Connection::storable_text(id)) return false;
    auto connection = pool_.acquire();
    return run(*connection, user_sql::kChangePasswordHash,
               [&](auto& p) { p.text(id).text(old_hash).text(new_hash).int8(now); }) == 1;
  }

  bool revoke_tokens_before(const std::string& id, UnixSeconds t) override {
    if (!Connection::storable_text(id)) return false;
    auto connection = pool_.acquire();
    const auto& query = in_dialect<Connection>(user_sql::kRevokeTokensBefore);
    return run(*connection, query, [&](auto& p) { p.text(id).int8(t); }) == 1;
  }

  bool remove(const std::string& id) override {
    if (!Connection::storable_text(id)) return false;
    auto connection = pool_.acquire();
    return run(*connection, user_sql::kDelete, [&](auto& p) { p.text(id); }) == 1;
  }

  user::FailedLogins record_failed_login(const std::string& login_name, UnixSeconds now, UnixSeconds window,
                                         int threshold, UnixSeconds lock_seconds) override;

  user::FailedLogins failed_logins(const std::string& login_name) override {
    auto connection = pool_.acquire();
    return read_failed(*connection, login_name);
  }

  void reset_failed_logins(const std::string& login_name) override {
    auto connection = pool_.acquire();
    run(*connection, user_sql::kDeleteFailed, [&](auto& p) { p.any_text(login_name); });
  }

  std::size_t purge_failed_logins(UnixSeconds older_than, std::size_t limit) override {
    return purge_batch(pool_, in_dialect<Connection>(user_sql::kPurgeFailed), older_than, limit);
  }

 private:
  std::optional<user::User> find_one(const Query& query, const std::string& key) {
    if (!Connection::storable_text(key)) return std::nullopt;
    auto connection = pool_.acquire();
    return first_row(
        *connection, query, [&](auto& p) { p.text(key); }, [](const auto& row) { return user_from_row(row); });
  }

  /// The failed sign-ins counted for `login_name` (any bytes: what the login form was sent).
  static user::FailedLogins read_failed(Connection& connection, const std::string& login_name) {
    const auto found = first_row(
        connection, user_sql::kSelectFailed, [&](auto& p) { p.any_text(login_name); },
        [](const auto& r) { return user::FailedLogins{static_cast<int>(r.int64(0)), r.int64(1), r.int64(2)}; });
    return found.value_or(user::FailedLogins{});
  }

  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
