// Expand/contract (migration 0015) on PostgreSQL: a node of the previous release reads and writes
// only the OIDC columns of login_transactions. Forms rendered by either release complete on the
// other (storage/testing/legacy_sign_in_rows.hpp). And the unit-of-work contract.
#include <gtest/gtest.h>

#include "storage/postgres/test_backends.hpp"
#include "storage/testing/legacy_sign_in_rows.hpp"
#include "storage/testing/unit_of_work_contract.hpp"

namespace gatehouse::storage::postgres::test {
namespace {

using storage::testing::UnitOfWorkContract;

INSTANTIATE_TEST_SUITE_P(Postgres, UnitOfWorkContract,
                         ::testing::Values(storage::testing::UnitOfWorkBackend{"Server",
                                                                               [] {
                                                                                 auto open = open_backend();
                                                                                 Backend* backend = open->backend.get();
                                                                                 return std::shared_ptr<Backend>(std::move(open), backend);
                                                                               }}),
                         storage::testing::unit_of_work_backend_name);

TEST(PostgresSignInStores, ARowAnOldNodeWroteReadsAsAnOidcTransaction) {
  auto open = open_backend();
  raw_connection(open->schema)->execute(storage::testing::kOldNodeInsert, Params().bytea(storage::testing::kOldNodeCsrfHash));
  storage::testing::expect_old_node_row_read(open->backend->login_transactions().find("old", 1500));
  EXPECT_TRUE(open->backend->login_transactions().consume("old"));
}

TEST(PostgresSignInStores, AnOidcTransactionStillFillsTheColumnsAnOldNodeReads) {
  auto open = open_backend();
  const auto request = storage::testing::oidc_request(std::string("s\0t", 3));  // bytea: zero bytes kept
  open->backend->login_transactions().insert(storage::testing::new_node_transaction(request));
  const auto result = raw_connection(open->schema)->execute(storage::testing::kOldNodeSelect, Params().text("new"));
  ASSERT_FALSE(result.empty());
  storage::testing::expect_old_node_columns(result.row(0), request);
}

}  // namespace
}  // namespace gatehouse::storage::postgres::test
