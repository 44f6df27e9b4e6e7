// What a connection does when it is lost, against a real server (issue 15): the server ends it
// (pg_terminate_backend, as a failover or a restart does), or it turns out to be on a server that
// takes no writes (a standby). A statement on its own runs once more on a new connection when
// that cannot apply it twice (Query::on_loss); otherwise, and inside a transaction, the caller
// gets the error. Prepared statements are prepared again on the new connection, and the backend
// counts the loss so the node catches up (ClusterRuntime).
#include <atomic>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "storage/postgres/connection.hpp"
#include "storage/postgres/test_backends.hpp"

namespace gatehouse::storage::postgres::test {
namespace {

constexpr Query kBackendPid{"failover_backend_pid", "SELECT pg_backend_pid()"};
constexpr Query kTerminatePid{"failover_terminate_pid", "SELECT pg_terminate_backend($1::integer, 5000)"};
constexpr Query kCount{"failover_count", "SELECT count(*) FROM failover_items"};
constexpr Query kInsert{"failover_insert", "INSERT INTO failover_items (id, used) VALUES ($1, FALSE)"};
constexpr Query kDelete{"failover_delete", "DELETE FROM failover_items WHERE id = $1"};
// The shape of every one-time consumption: a guarded UPDATE that only one caller can win.
constexpr Query kUseGuarded{"failover_use", "UPDATE failover_items SET used = TRUE WHERE id = $1 AND NOT used",
                            OnLoss::kRepeat};
constexpr Query kUseUnmarked{"failover_use_unmarked",
                             "UPDATE failover_items SET used = TRUE WHERE id = $1 AND NOT used"};

/// A connection of its own on a fresh schema with one table, counting its losses.
struct Fixture {
  std::string schema = fresh_schema_name();
  std::shared_ptr<std::atomic<std::uint64_t>> losses = std::make_shared<std::atomic<std::uint64_t>>(0);
  std::unique_ptr<Connection> connection;

  Fixture() {
    auto admin = raw_connection();
    admin->exec_script("create the schema", "CREATE SCHEMA " + quote_identifier(schema) + "; CREATE TABLE " +
                                                quote_identifier(schema) +
                                                ".failover_items (id text PRIMARY KEY, used boolean NOT NULL)");
    ConnectionSpec spec;
    spec.url = DatabaseUrl(server_url());
    spec.label = describe_server(spec.url);
    spec.search_path = quote_identifier(schema);
    spec.losses = losses;
    connection = std::make_unique<Connection>(spec);
  }
  ~Fixture() {
    connection.reset();
    try {
      raw_connection()->exec_script("drop the schema", "DROP SCHEMA IF EXISTS " + quote_identifier(schema) + " CASCADE");
    } catch (...) {
    }
  }
  /// Ends this connection's server process, as a failover or a restart of the server does.
  std::int64_t end_connection() {
    const auto pid = connection->execute(kBackendPid).row(0).int8(0);
    EXPECT_TRUE(raw_connection()->execute(kTerminatePid, Params().int8(pid)).row(0).boolean(0));
    return pid;
  }
  std::int64_t rows() { return raw_connection(schema)->execute(kCount).row(0).int8(0); }
};

TEST(PostgresFailover, AReadOnALostConnectionRunsAgainOnANewOneWithItsStatementsPreparedAgain) {
  Fixture f;
  ASSERT_EQ(f.connection->execute(kCount).row(0).int8(0), 0);  // prepared on the first connection
  const auto old_pid = f.end_connection();
  EXPECT_EQ(f.connection->execute(kCount).row(0).int8(0), 0) << "the read is answered on a new connection";
  EXPECT_NE(f.connection->execute(kBackendPid).row(0).int8(0), old_pid);
  EXPECT_EQ(f.losses->load(), 1u);
  EXPECT_TRUE(f.connection->reset_for_reuse()) << "the new connection is healthy and stays in the pool";
  // The session is set up again: search_path finds the schema's table, isolation is read committed.
  f.connection->execute(kInsert, Params().text("after"));
  EXPECT_EQ(f.rows(), 1);
}

TEST(PostgresFailover, AWriteWhoseOutcomeIsUnknownIsNotRunAgainAndTheConnectionIsDiscarded) {
  Fixture f;
  f.end_connection();
  EXPECT_THROW(f.connection->execute(kInsert, Params().text("a")), StorageError);
  EXPECT_EQ(f.rows(), 0) << "an INSERT is never repeated blindly";
  EXPECT_FALSE(f.connection->reset_for_reuse()) << "the pool discards the lost connection";
  EXPECT_EQ(f.losses->load(), 1u);

  Fixture g;
  g.connection->execute(kInsert, Params().text("b"));
  g.end_connection();
  EXPECT_THROW(g.connection->execute(kUseUnmarked, Params().text("b")), StorageError)
      << "an UPDATE not marked as a one-time consumption is not repeated";
}

TEST(PostgresFailover, AOneTimeConsumptionRunsAgainAndIsNeverAcceptedTwice) {
  Fixture f;
  f.connection->execute(kInsert, Params().text("code-1"));
  f.connection->execute(kInsert, Params().text("code-2"));
  // Lost before it ran: the repeat uses the item.
  f.end_connection();
  EXPECT_EQ(f.connection->execute(kUseGuarded, Params().text("code-1")).affected(), 1);
  EXPECT_EQ(f.connection->execute(kUseGuarded, Params().text("code-1")).affected(), 0);
  // Lost after it was applied (another connection stands in for the lost attempt): the repeat
  // finds the item used, so it is refused, not accepted a second time.
  raw_connection(f.schema)->execute(kUseGuarded, Params().text("code-2"));
  f.end_connection();
  EXPECT_EQ(f.connection->execute(kUseGuarded, Params().text("code-2")).affected(), 0);
  // A DELETE is repeated too: a repeat removes nothing more.
  f.end_connection();
  EXPECT_EQ(f.connection->execute(kDelete, Params().text("code-1")).affected(), 1);
  EXPECT_EQ(f.rows(), 1);
  EXPECT_EQ(f.losses->load(), 3u);
}

TEST(PostgresFailover, InsideATransactionALostConnectionIsTheCallersError) {
  Fixture f;
  Transaction tx(*f.connection);
  f.end_connection();
  EXPECT_THROW(f.connection->execute(kCount), StorageError) << "the transaction is gone with its connection";
  EXPECT_FALSE(f.connection->reset_for_reuse());
}

TEST(PostgresFailover, AServerThatTakesNoWritesIsLeftAndTheStatementRunsOnANewConnection) {
  // As after a failover with a URL that can land on the standby, or with the old primary back as
  // a standby: the server refuses the write (25006) without running it.
  Fixture f;
  f.connection->exec_script("act as a standby", "SET default_transaction_read_only = on");
  EXPECT_EQ(f.connection->execute(kInsert, Params().text("x")).affected(), 1) << "run again on a new connection";
  EXPECT_EQ(f.rows(), 1);
  EXPECT_EQ(f.losses->load(), 1u);
  EXPECT_TRUE(f.connection->reset_for_reuse());

  // Inside a transaction: the caller's error, and the connection is not kept.
  f.connection->exec_script("act as a standby", "SET default_transaction_read_only = on");
  {
    Transaction tx(*f.connection);
    EXPECT_THROW(f.connection->execute(kInsert, Params().text("y")), StorageError);
  }
  EXPECT_FALSE(f.connection->reset_for_reuse());
  EXPECT_EQ(f.rows(), 1);
}

TEST(PostgresFailover, ErrorsThatEndAConnectionAreTheLostOnesOnly) {
  for (const char* state : {"08000", "08006", "08P01", "57P01", "57P02", "57P03", "25006"}) {
    EXPECT_TRUE(ends_connection(state)) << state;
  }
  for (const char* state : {"23505", "40001", "40P01", "57014", "42P01", "25P02", ""}) {
    EXPECT_FALSE(ends_connection(state)) << state;
  }
}

TEST(PostgresFailover, AMultiHostUrlIsNamedHostByHostWithoutItsPassword) {
  EXPECT_EQ(describe_server(DatabaseUrl("postgresql://gh:secret@db1:5432,db2:5433/gatehouse?target_session_attrs=read-write")),
            "postgres 'gh@db1:5432,db2:5433/gatehouse'");
  EXPECT_EQ(describe_server(DatabaseUrl("postgresql://gh@db1,db2:6432/gatehouse")), "postgres 'gh@db1,db2:6432/gatehouse'");
  EXPECT_EQ(describe_server(DatabaseUrl("host=db1,db2 port=6432 dbname=gatehouse user=gh password=secret")),
            "postgres 'gh@db1:6432,db2:6432/gatehouse'");
  EXPECT_EQ(describe_server(DatabaseUrl("postgresql://db1/gatehouse")), "postgres 'db1/gatehouse'");
}

}  // namespace
}  // namespace gatehouse::storage::postgres::test
