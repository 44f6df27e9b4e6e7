#pragma once
// mfa::TotpStore on SQL (totp_factors), written once for both backends (storage/query.hpp). Every
// write is one conditional statement: on PostgreSQL a racing second writer waits on the row lock,
// re-checks its condition on the committed row and changes nothing; SQLite has one writer at a time.

#include "mfa/totp_store.hpp"
#include "storage/connection_pool.hpp"
#include "storage/query.hpp"

namespace gatehouse::storage {

namespace totp_sql {
// The column order every query shares; totp_from_row() depends on it.
#define GH_TOTP_COLUMNS "user_id, sealed_seed, confirmed, last_step, created_at, confirmed_at"
// A pending factor, replacing a pending one; nothing when the user's factor is confirmed.
inline constexpr Query kBegin{"begin_totp_factor", "INSERT INTO totp_factors (" GH_TOTP_COLUMNS R"sql()
VALUES ($1, $2, FALSE, -1, $3, 0)
ON CONFLICT (user_id) DO UPDATE SET sealed_seed = excluded.sealed_seed, confirmed = FALSE, last_step = -1,
                                    created_at = excluded.created_at, confirmed_at = 0
 WHERE NOT totp_factors.confirmed)sql"};
inline constexpr Query kReplace{"replace_totp_factor", "INSERT INTO totp_factors (" GH_TOTP_COLUMNS R"sql()
VALUES ($1, $2, TRUE, $3, $4, $5)
ON CONFLICT (user_id) DO UPDATE SET sealed_seed = excluded.sealed_seed, confirmed = TRUE,
                                    last_step = excluded.last_step, created_at = excluded.created_at,
                                    confirmed_at = excluded.confirmed_at)sql"};
inline constexpr Query kFind{"find_totp_factor", "SELECT " GH_TOTP_COLUMNS " FROM totp_factors WHERE user_id = $1"};
#undef GH_TOTP_COLUMNS
// Only the pending factor the page showed (its sealed seed): a newer enrolment makes this one fail.
inline constexpr Query kConfirm{"confirm_totp_factor", R"sql(
UPDATE totp_factors SET confirmed = TRUE, last_step = $3, confirmed_at = $4
 WHERE user_id = $1 AND sealed_seed = $2 AND NOT confirmed)sql"};
// Moves the last step forward: of racers with the same step, one changes the row.
inline constexpr Query kUseStep{"use_totp_step",
    "UPDATE totp_factors SET last_step = $2 WHERE user_id = $1 AND confirmed AND last_step < $2", OnLoss::kRepeat};
inline constexpr Query kRemove{"remove_totp_factor", "DELETE FROM totp_factors WHERE user_id = $1"};
}  // namespace totp_sql

/// A totp_factors row in totp_sql's column order. `Row` is sqlite::Statement or postgres::Row.
template <class Row>
mfa::TotpFactor totp_from_row(const Row& r) {
  return mfa::TotpFactor{r.text(0), r.blob(1), r.boolean(2), r.int64(3), r.int64(4), r.int64(5)};
}

template <class Connection>
class SqlTotpStore final : public mfa::TotpStore {
 public:
  explicit SqlTotpStore(ConnectionPool<Connection>& pool) : pool_(pool) {}

  bool begin(const mfa::TotpFactor& pending) override {
    if (!Connection::storable_text(pending.user_id)) return false;  // no such user can exist
    auto connection = pool_.acquire();
    return run(*connection, totp_sql::kBegin, [&](auto& p) {
             p.text(pending.user_id).bytea(pending.sealed_seed).int8(pending.created_at);
           }) == 1;
  }

  void replace(const mfa::TotpFactor& f) override {
    auto connection = pool_.acquire();
    run(*connection, totp_sql::kReplace, [&](auto& p) {
      p.text(f.user_id).bytea(f.sealed_seed).int8(f.last_step).int8(f.created_at).int8(f.confirmed_at);
    });
  }

  std::optional<mfa::TotpFactor> find(const std::string& user_id) override {
    if (!Connection::storable_text(user_id)) return std::nullopt;
    auto connection = pool_.acquire();
    return first_row(
        *connection, totp_sql::kFind, [&](auto& p) { p.text(user_id); },
        [](const auto& row) { return totp_from_row(row); });
  }

  bool confirm(const std::string& user_id, const std::string& sealed_seed, std::int64_t step,
               UnixSeconds now) override {
    if (!Connection::storable_text(user_id)) return false;
    auto connection = pool_.acquire();
    return run(*connection, totp_sql::kConfirm,
               [&](auto& p) { p.text(user_id).bytea(sealed_seed).int8(step).int8(now); }) == 1;
  }

  bool use_step(const std::string& user_id, std::int64_t step) override {
    if (!Connection::storable_text(user_id)) return false;
    auto connection = pool_.acquire();
    return run(*connection, totp_sql::kUseStep, [&](auto& p) { p.text(user_id).int8(step); }) == 1;
  }

  bool remove(const std::string& user_id) override {
    if (!Connection::storable_text(user_id)) return false;
    auto connection = pool_.acquire();
    return run(*connection, totp_sql::kRemove, [&](auto& p) { p.text(user_id); }) == 1;
  }

 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
