#include "storage/user_store.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "storage/sql_count.hpp"
#include "storage/sqlite/connection.hpp"

namespace gatehouse::storage {
using namespace sqlite;  // this file is the SQLite side of SqlUserStore
namespace {

// The column order every query shares; read_user() and bind_user() depend on it.
#define GH_USER_COLUMNS                                                                                   \
  "id, username, email, email_verified, name, given_name, family_name, middle_name, nickname, picture, " \
  "locale, phone_number, phone_number_verified, active, password_hash, created_at, updated_at"

// What every read adds to the written columns (read_user() reads them at 17 and 18).
#define GH_USER_READ GH_USER_COLUMNS ", version, tokens_valid_after"

constexpr Query kFindUser{"find_user", "SELECT " GH_USER_READ " FROM users WHERE id = ?1"};
constexpr Query kFindUserByUsername{"find_user_by_username", "SELECT " GH_USER_READ " FROM users WHERE username = ?1"};
// ?1 / ?2: exact username / email filters, '' = any (both compare with NOCASE, the columns' collation).
constexpr Query kListUsers{"list_users", "SELECT " GH_USER_READ R"sql( FROM users
 WHERE (?1 = '' OR username = ?1) AND (?2 = '' OR email = ?2)
 ORDER BY username LIMIT ?3 OFFSET ?4)sql"};
constexpr Query kCountUsers{"count_users", R"sql(SELECT count(*) FROM users
 WHERE (?1 = '' OR username = ?1) AND (?2 = '' OR email = ?2))sql"};
constexpr Query kUsernameOwner{"username_owner", "SELECT id FROM users WHERE username = ?1"};
constexpr Query kEmailOwner{"email_owner", "SELECT id FROM users WHERE email = ?1 AND email <> ''"};
constexpr Query kInsertUser{"insert_user", "INSERT INTO users (" GH_USER_COLUMNS R"sql()
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17))sql"};
// The profile and active, if the version is still ?18 (the port's contract); ?15 and ?16 (the
// password hash and created_at) are bound but not written.
constexpr Query kUpdateUser{"update_user", R"sql(
UPDATE users SET username = ?2, email = ?3, email_verified = ?4, name = ?5, given_name = ?6,
                 family_name = ?7, middle_name = ?8, nickname = ?9, picture = ?10, locale = ?11,
                 phone_number = ?12, phone_number_verified = ?13, active = ?14,
                 updated_at = ?17, version = version + 1
 WHERE id = ?1 AND version = ?18)sql"};
constexpr Query kUserExists{"user_exists", "SELECT 1 FROM users WHERE id = ?1"};
constexpr Query kSetPasswordHash{"set_password_hash",
    "UPDATE users SET password_hash = ?2, updated_at = ?3, version = version + 1 WHERE id = ?1"};
constexpr Query kRehashPassword{"rehash_password",
    "UPDATE users SET password_hash = ?3 WHERE id = ?1 AND password_hash = ?2"};
constexpr Query kRevokeTokensBefore{"revoke_user_tokens_before",
    "UPDATE users SET tokens_valid_after = max(tokens_valid_after, ?2) WHERE id = ?1"};
constexpr Query kDeleteUser{"delete_user", "DELETE FROM users WHERE id = ?1"};

constexpr Query kSelectFailed{"select_login_failures",
    "SELECT count, window_started_at, locked_until FROM login_failures WHERE login_name = ?1"};
constexpr Query kUpsertFailed{"upsert_login_failures", R"sql(
INSERT INTO login_failures (login_name, count, window_started_at, locked_until) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (login_name) DO UPDATE SET count = excluded.count, window_started_at = excluded.window_started_at,
                                       locked_until = excluded.locked_until)sql"};
constexpr Query kDeleteFailed{"delete_login_failures", "DELETE FROM login_failures WHERE login_name = ?1"};
constexpr Query kPurgeFailed{"purge_login_failures", R"sql(
DELETE FROM login_failures WHERE rowid IN (
  SELECT rowid FROM login_failures WHERE window_started_at < ?1 AND locked_until < ?1 LIMIT ?2))sql"};

#undef GH_USER_READ
#undef GH_USER_COLUMNS

user::User read_user(const Statement& row) {
  user::User u;
  u.id = row.text(0);
  u.username = row.text(1);
  u.email = row.text(2);
  u.email_verified = row.int64(3) != 0;
  u.name = row.text(4);
  u.given_name = row.text(5);
  u.family_name = row.text(6);
  u.middle_name = row.text(7);
  u.nickname = row.text(8);
  u.picture = row.text(9);
  u.locale = row.text(10);
  u.phone_number = row.text(11);
  u.phone_number_verified = row.int64(12) != 0;
  u.active = row.int64(13) != 0;
  u.password_hash = row.text(14);
  u.created_at = row.int64(15);
  u.updated_at = row.int64(16);
  u.version = row.int64(17);
  u.tokens_valid_after = row.int64(18);
  return u;
}

void bind_user(Statement& s, const user::User& u) {
  s.bind_text(1, u.id)
      .bind_text(2, u.username)
      .bind_text(3, u.email)
      .bind_int(4, u.email_verified ? 1 : 0)
      .bind_text(5, u.name)
      .bind_text(6, u.given_name)
      .bind_text(7, u.family_name)
      .bind_text(8, u.middle_name)
      .bind_text(9, u.nickname)
      .bind_text(10, u.picture)
      .bind_text(11, u.locale)
      .bind_text(12, u.phone_number)
      .bind_int(13, u.phone_number_verified ? 1 : 0)
      .bind_int(14, u.active ? 1 : 0)
      .bind_text(15, u.password_hash)
      .bind_int(16, u.created_at)
      .bind_int(17, u.updated_at);
}

/// The id of the user holding `value` in a unique column, if any.
std::optional<std::string> owner(Connection& connection, const Query& query, const std::string& value) {
  Statement s(connection, query);
  s.bind_text(1, value);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

/// Inside a write transaction: refuses a username or email that another user holds.
user::UserWriteResult check_unique(Connection& connection, const user::User& u) {
  auto by_name = owner(connection, kUsernameOwner, u.username);
  if (by_name && *by_name != u.id) return user::UserWriteResult::kUsernameTaken;
  if (!u.email.empty()) {
    auto by_email = owner(connection, kEmailOwner, u.email);
    if (by_email && *by_email != u.id) return user::UserWriteResult::kEmailTaken;
  }
  return user::UserWriteResult::kOk;
}

user::FailedLogins read_failed(Connection& connection, const std::string& id) {
  Statement s(connection, kSelectFailed);
  s.bind_text(1, id);
  if (!s.step()) return {};
  return user::FailedLogins{static_cast<int>(s.int64(0)), s.int64(1), s.int64(2)};
}

}  // namespace

template <>
std::optional<user::User> SqlUserStore<sqlite::Connection>::find(const std::string& id) {
  auto connection = pool_.acquire();
  Statement s(*connection, kFindUser);
  s.bind_text(1, id);
  if (!s.step()) return std::nullopt;
  return read_user(s);
}

template <>
std::optional<user::User> SqlUserStore<sqlite::Connection>::find_by_username(const std::string& username) {
  auto connection = pool_.acquire();
  Statement s(*connection, kFindUserByUsername);
  s.bind_text(1, username);
  if (!s.step()) return std::nullopt;
  return read_user(s);
}

template <>
user::UserPage SqlUserStore<sqlite::Connection>::list(const user::UserFilter& filter, std::size_t offset, std::size_t limit) {
  auto connection = pool_.acquire();
  Transaction tx(*connection, Transaction::Mode::kDeferred);
  user::UserPage page;
  {
    Statement count(*connection, kCountUsers);
    count.bind_text(1, filter.username).bind_text(2, filter.email);
    count.step();
    page.total = static_cast<std::size_t>(count.int64(0));
  }
  if (limit > 0 && offset < page.total) {
    Statement s(*connection, kListUsers);
    s.bind_text(1, filter.username).bind_text(2, filter.email).bind_int(3, to_sql_count(limit)).bind_int(4, to_sql_count(offset));
    while (s.step()) page.items.push_back(read_user(s));
  }
  tx.commit();
  return page;
}

template <>
user::UserWriteResult SqlUserStore<sqlite::Connection>::insert(const user::User& u) {
  auto connection = pool_.acquire();
  Transaction tx(*connection, Transaction::Mode::kImmediate);
  if (auto taken = check_unique(*connection, u); taken != user::UserWriteResult::kOk) return taken;
  Statement s(*connection, kInsertUser);
  bind_user(s, u);
  s.run();
  tx.commit();
  return user::UserWriteResult::kOk;
}

template <>
user::UserWriteResult SqlUserStore<sqlite::Connection>::update(const user::User& u) {
  auto connection = pool_.acquire();
  Transaction tx(*connection, Transaction::Mode::kImmediate);
  if (auto taken = check_unique(*connection, u); taken != user::UserWriteResult::kOk) return taken;
  {
    Statement s(*connection, kUpdateUser);
    bind_user(s, u);
    s.bind_int(18, u.version);
    s.run();
  }
  if (connection->changes() != 1) {
    Statement exists(*connection, kUserExists);
    exists.bind_text(1, u.id);
    return exists.step() ? user::UserWriteResult::kStale : user::UserWriteResult::kNotFound;
  }
  tx.commit();
  return user::UserWriteResult::kOk;
}

template <>
bool SqlUserStore<sqlite::Connection>::set_password_hash(const std::string& id, const std::string& hash, UnixSeconds now) {
  auto connection = pool_.acquire();
  Statement s(*connection, kSetPasswordHash);
  s.bind_text(1, id).bind_text(2, hash).bind_int(3, now).run();
  return connection->changes() == 1;
}

template <>
bool SqlUserStore<sqlite::Connection>::rehash_password(const std::string& id, const std::string& old_hash, const std::string& new_hash) {
  auto connection = pool_.acquire();
  Statement s(*connection, kRehashPassword);
  s.bind_text(1, id).bind_text(2, old_hash).bind_text(3, new_hash).run();
  return connection->changes() == 1;
}

template <>
bool SqlUserStore<sqlite::Connection>::revoke_tokens_before(const std::string& id, UnixSeconds t) {
  auto connection = pool_.acquire();
  Statement s(*connection, kRevokeTokensBefore);
  s.bind_text(1, id).bind_int(2, t).run();
  return connection->changes() == 1;
}

template <>
bool SqlUserStore<sqlite::Connection>::remove(const std::string& id) {
  auto connection = pool_.acquire();
  Statement s(*connection, kDeleteUser);
  s.bind_text(1, id).run();
  return connection->changes() == 1;
}

template <>
user::FailedLogins SqlUserStore<sqlite::Connection>::record_failed_login(const std::string& id, UnixSeconds now, UnixSeconds window,
                                                        int threshold, UnixSeconds lock_seconds) {
  auto connection = pool_.acquire();
  // Read-modify-write under the write lock, so concurrent failures on several nodes all count.
  Transaction tx(*connection, Transaction::Mode::kImmediate);
  auto f = read_failed(*connection, id);
  if (f.count == 0 || now - f.window_started_at >= window) f = user::FailedLogins{0, now, f.locked_until};
  f.count += 1;
  if (f.count >= threshold) f.locked_until = now + lock_seconds;
  Statement s(*connection, kUpsertFailed);
  s.bind_text(1, id).bind_int(2, f.count).bind_int(3, f.window_started_at).bind_int(4, f.locked_until);
  s.run();
  tx.commit();
  return f;
}

template <>
user::FailedLogins SqlUserStore<sqlite::Connection>::failed_logins(const std::string& id) {
  auto connection = pool_.acquire();
  return read_failed(*connection, id);
}

template <>
void SqlUserStore<sqlite::Connection>::reset_failed_logins(const std::string& id) {
  auto connection = pool_.acquire();
  Statement s(*connection, kDeleteFailed);
  s.bind_text(1, id).run();
}

template <>
std::size_t SqlUserStore<sqlite::Connection>::purge_failed_logins(UnixSeconds older_than, std::size_t limit) {
  return purge_batch(pool_, kPurgeFailed, older_than, limit);
}

}  // namespace gatehouse::storage
