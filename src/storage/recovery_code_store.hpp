#pragma once
// mfa::RecoveryCodeStore on SQL (recovery_codes), declared once for both backends. The statements
// and all but replace() are written here once (storage/query.hpp); replace() runs a transaction,
// which each backend opens its own way (storage/<backend>/recovery_code_store.cpp).

#include "mfa/recovery_code_store.hpp"
#include "storage/connection_pool.hpp"
#include "storage/query.hpp"

namespace gatehouse::storage {

namespace recovery_sql {
inline constexpr Query kDeleteUser{"delete_user_recovery_codes", "DELETE FROM recovery_codes WHERE user_id = $1"};
// A hash listed twice is stored once.
inline constexpr Query kInsert{"insert_recovery_code", R"sql(
INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)
ON CONFLICT (user_id, code_hash) DO NOTHING)sql"};
// Once: of racers on the same unused code, one changes the row (on PostgreSQL the others wait on
// its lock, re-check used_at on the committed row and change nothing).
inline constexpr Query kUse{"use_recovery_code", R"sql(
UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL)sql"};
inline constexpr Query kRemaining{"remaining_recovery_codes",
    "SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL"};
}  // namespace recovery_sql

template <class Connection>
class SqlRecoveryCodeStore final : public mfa::RecoveryCodeStore {
 public:
  explicit SqlRecoveryCodeStore(ConnectionPool<Connection>& pool) : pool_(pool) {}

  void replace(const std::string& user_id, const std::vector<std::string>& code_hashes, UnixSeconds now) override;

  bool use(const std::string& user_id, const std::string& code_hash, UnixSeconds now) override {
    if (!Connection::storable_text(user_id)) return false;
    auto connection = pool_.acquire();
    return run(*connection, recovery_sql::kUse, [&](auto& p) { p.text(user_id).bytea(code_hash).int8(now); }) == 1;
  }

  std::size_t remaining(const std::string& user_id) override {
    if (!Connection::storable_text(user_id)) return 0;
    auto connection = pool_.acquire();
    const auto count = first_row(
        *connection, recovery_sql::kRemaining, [&](auto& p) { p.text(user_id); },
        [](const auto& row) { return row.int64(0); });
    return static_cast<std::size_t>(count.value_or(0));
  }

  std::size_t remove_all(const std::string& user_id) override {
    if (!Connection::storable_text(user_id)) return 0;
    auto connection = pool_.acquire();
    return static_cast<std::size_t>(run(*connection, recovery_sql::kDeleteUser, [&](auto& p) { p.text(user_id); }));
  }

 private:
  /// replace()'s writes, inside the transaction the backend opened.
  static void write_codes(Connection& connection, const std::string& user_id,
                          const std::vector<std::string>& code_hashes, UnixSeconds now) {
    run(connection, recovery_sql::kDeleteUser, [&](auto& p) { p.text(user_id); });
    for (const auto& hash : code_hashes)
      run(connection, recovery_sql::kInsert, [&](auto& p) { p.text(user_id).bytea(hash).int8(now); });
  }

  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
