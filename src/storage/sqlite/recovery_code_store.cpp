// mfa::RecoveryCodeStore on SQLite: replace() under the write lock (storage/recovery_code_store.hpp
// has the rest). BEGIN IMMEDIATE serialises writers, so two replaces never mix their sets, and a
// reader sees the set before or after.
#include "storage/recovery_code_store.hpp"

#include "storage/sqlite/connection.hpp"

namespace gatehouse::storage {

template <>
void SqlRecoveryCodeStore<sqlite::Connection>::replace(const std::string& user_id,
                                                       const std::vector<std::string>& code_hashes, UnixSeconds now) {
  auto connection = pool_.acquire();
  sqlite::Transaction tx(*connection, sqlite::Transaction::Mode::kImmediate);
  write_codes(*connection, user_id, code_hashes, now);
  tx.commit();
}

}  // namespace gatehouse::storage
