// user::UserStore on SQLite: the listing, the writes (checked for a taken username or email under
// the write lock) and the failed sign-in counter (storage/user_store.hpp has the rest).
#include "storage/user_store.hpp"

#include "storage/sql_count.hpp"
#include "storage/sqlite/connection.hpp"

namespace gatehouse::storage {
using namespace sqlite;  // this file is the SQLite side of SqlUserStore
namespace {

constexpr Query kUsernameOwner{"username_owner", "SELECT id FROM users WHERE username = ?1"};
constexpr Query kEmailOwner{"email_owner", "SELECT id FROM users WHERE email = ?1 AND email <> ''"};
constexpr Query kUpsertFailed{"upsert_login_failures", R"sql(
INSERT INTO login_failures (login_name, count, window_started_at, locked_until) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (login_name) DO UPDATE SET count = excluded.count, window_started_at = excluded.window_started_at,
                                       locked_until = excluded.locked_until)sql"};

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

}  // namespace

template <>
user::UserPage SqlUserStore<sqlite::Connection>::list(const user::UserFilter& filter, std::size_t offset, std::size_t limit) {
  auto connection = pool_.acquire();
  Transaction tx(*connection, Transaction::Mode::kDeferred);
  user::UserPage page;
  {
    Statement count(*connection, user_sql::kCount);
    count.bind_text(1, filter.username).bind_text(2, filter.email);
    count.step();
    page.total = static_cast<std::size_t>(count.int64(0));
  }
  if (limit > 0 && offset < page.total) {
    Statement s(*connection, user_sql::kList.sqlite);
    s.bind_text(1, filter.username).bind_text(2, filter.email).bind_int(3, to_sql_count(limit)).bind_int(4, to_sql_count(offset));
    while (s.step()) page.items.push_back(user_from_row(s));
  }
  tx.commit();
  return page;
}

template <>
user::UserWriteResult SqlUserStore<sqlite::Connection>::insert(const user::User& u) {
  auto connection = pool_.acquire();
  Transaction tx(*connection, Transaction::Mode::kImmediate);
  if (auto taken = check_unique(*connection, u); taken != user::UserWriteResult::kOk) return taken;
  if (u.linked()) {
    Statement linked(*connection, user_sql::kFindLinked);
    linked.bind_text(1, u.source).bind_text(2, u.external_id);
    if (linked.step()) return user::UserWriteResult::kLinkTaken;
  }
  run(*connection, user_sql::kInsert, [&](Binder& p) { user_params(p, u); });
  tx.commit();
  return user::UserWriteResult::kOk;
}

template <>
user::UserWriteResult SqlUserStore<sqlite::Connection>::update(const user::User& u) {
  auto connection = pool_.acquire();
  Transaction tx(*connection, Transaction::Mode::kImmediate);
  if (auto taken = check_unique(*connection, u); taken != user::UserWriteResult::kOk) return taken;
  if (run(*connection, user_sql::kUpdate, [&](Binder& p) { user_params(p, u).int8(u.version); }) != 1) {
    Statement exists(*connection, user_sql::kExists);
    exists.bind_text(1, u.id);
    return exists.step() ? user::UserWriteResult::kStale : user::UserWriteResult::kNotFound;
  }
  tx.commit();
  return user::UserWriteResult::kOk;
}

template <>
user::UserWriteResult SqlUserStore<sqlite::Connection>::refresh_linked(const user::User& u) {
  auto connection = pool_.acquire();
  Transaction tx(*connection, Transaction::Mode::kImmediate);
  if (auto taken = check_unique(*connection, u); taken != user::UserWriteResult::kOk) return taken;
  if (run(*connection, user_sql::kRefreshLinked, [&](Binder& p) { user_params(p, u); }) != 1) return user::UserWriteResult::kNotFound;
  tx.commit();
  return user::UserWriteResult::kOk;
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

}  // namespace gatehouse::storage
