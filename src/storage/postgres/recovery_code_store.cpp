// mfa::RecoveryCodeStore on PostgreSQL: replace() in one transaction (storage/recovery_code_store.hpp
// has the rest). A reader sees the set before or after (read committed: each statement reads what
// had committed). Two replaces for the same user at once would each delete only the rows they saw
// and together leave both new sets, so each first takes a transaction-scoped advisory lock on the
// user: the second waits, then deletes what the first wrote.
#include "storage/recovery_code_store.hpp"

#include "storage/postgres/connection.hpp"

namespace gatehouse::storage {
namespace {

// Two-key advisory locks (a space apart from the one-key schema and event locks); the first key
// names this table's lock family, the second hashes the user id.
constexpr Query kLockUser{"lock_user_recovery_codes", "SELECT pg_advisory_xact_lock(1919247205, hashtext($1))"};

}  // namespace

template <>
void SqlRecoveryCodeStore<postgres::Connection>::replace(const std::string& user_id,
                                                         const std::vector<std::string>& code_hashes, UnixSeconds now) {
  auto connection = pool_.acquire();
  postgres::Transaction tx(*connection);
  run(*connection, kLockUser, [&](auto& p) { p.text(user_id); });
  write_codes(*connection, user_id, code_hashes, now);
  tx.commit();
}

}  // namespace gatehouse::storage
