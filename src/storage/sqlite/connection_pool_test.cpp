// ConnectionPool and the Connection/Statement/Transaction helpers.
#include "storage/sqlite/connection_pool.hpp"

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace gatehouse::storage::sqlite {
namespace {

using namespace std::chrono_literals;

constexpr Query kSelectOne{"select_one", "SELECT 1"};
constexpr Query kTwoStatements{"two_statements", "SELECT 1; SELECT 2"};
constexpr Query kEcho{"echo", "SELECT ?1, typeof(?1), length(?1)"};
constexpr Query kCreateT{"create_t", "CREATE TABLE IF NOT EXISTS t (v BLOB)"};
constexpr Query kInsertT{"insert_t", "INSERT INTO t (v) VALUES (?1)"};
constexpr Query kCountT{"count_t", "SELECT count(*) FROM t"};

ConnectionSpec memory_spec(const std::string& name) {
  return ConnectionSpec{.target = "file:/gh-pool-test-" + name + "?vfs=memdb", .uri = true, .wal = false,
                        .busy_timeout = 1000ms, .label = name};
}

ConnectionPool::Opener counting_opener(const std::string& name, std::atomic<int>& opened) {
  return [spec = memory_spec(name), &opened] {
    ++opened;
    return std::make_unique<Connection>(spec);
  };
}

TEST(ConnectionPool, OpensLazilyUpToItsSizeAndReusesConnections) {
  std::atomic<int> opened{0};
  ConnectionPool pool(counting_opener("lazy", opened), 2, 1000ms, "lazy");
  EXPECT_EQ(opened.load(), 0);
  {
    auto a = pool.acquire();
    auto b = pool.acquire();
    EXPECT_NE(&*a, &*b);
    EXPECT_EQ(opened.load(), 2);
  }
  for (int i = 0; i < 5; ++i) {
    auto c = pool.acquire();
    Statement(*c, kSelectOne).run();
  }
  EXPECT_EQ(opened.load(), 2);
}

TEST(ConnectionPool, GivesUpAfterTheWaitWhenEveryConnectionIsInUse) {
  std::atomic<int> opened{0};
  ConnectionPool pool(counting_opener("exhausted", opened), 1, 20ms, "exhausted.db");
  auto held = pool.acquire();
  try {
    pool.acquire();
    FAIL() << "acquire should time out";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("exhausted.db"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no free connection"), std::string::npos) << e.what();
  }
}

TEST(ConnectionPool, ReleasedConnectionGoesToAWaitingCaller) {
  std::atomic<int> opened{0};
  ConnectionPool pool(counting_opener("handoff", opened), 1, 10s, "handoff");
  auto held = std::make_optional(pool.acquire());
  Connection* first = &**held;
  Connection* got = nullptr;
  std::thread waiter([&] {
    auto lease = pool.acquire();  // blocks until the main thread releases
    got = &*lease;
  });
  held.reset();
  waiter.join();
  EXPECT_EQ(got, first);
  EXPECT_EQ(opened.load(), 1);
}

TEST(ConnectionPool, FailedOpenFreesItsSlotAndTheNextTryWaitsOutABackoff) {
  std::atomic<int> attempts = 0;
  std::atomic<int> fail_until = 2;  // the first two opens fail
  const ConnectionSpec spec = memory_spec("flaky");
  ConnectionPool pool(
      [&]() -> std::unique_ptr<Connection> {
        if (++attempts <= fail_until) throw StorageError("the server is down");
        return std::make_unique<Connection>(spec);
      },
      1, 20ms, "flaky");
  EXPECT_THROW(pool.acquire(), StorageError);
  // Within the backoff a caller fails at once, without trying (a server that is down is not asked
  // by every request).
  try {
    pool.acquire();
    ADD_FAILURE() << "acquire during the backoff should fail";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("unreachable"), std::string::npos) << e.what();
  }
  EXPECT_EQ(attempts.load(), 1);
  // After it, one try: the second failure, then a longer backoff; the third try opens.
  auto try_until_opened = [&] {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        return pool.acquire();
      } catch (const StorageError&) {
        std::this_thread::sleep_for(5ms);  // polling the condition, with the deadline above
      }
    }
    throw std::runtime_error("never opened");
  };
  {
    auto lease = try_until_opened();
    Statement(*lease, kSelectOne).run();
  }
  EXPECT_EQ(attempts.load(), 3) << "each backoff lets exactly one caller try";
  EXPECT_NO_THROW(pool.acquire()) << "once open, the pool serves at once";
}

TEST(ConnectionPool, ReturnedConnectionIsNeverMidTransaction) {
  std::atomic<int> opened{0};
  ConnectionPool pool(counting_opener("tx", opened), 1, 1000ms, "tx");
  {
    auto c = pool.acquire();
    Statement(*c, kCreateT).run();
    c->exec_script("leak", "BEGIN; INSERT INTO t (v) VALUES (x'00');");
    EXPECT_TRUE(c->in_transaction());
  }
  auto c = pool.acquire();
  EXPECT_FALSE(c->in_transaction());
  Statement count(*c, kCountT);
  ASSERT_TRUE(count.step());
  EXPECT_EQ(count.int64(0), 0);
}

std::int64_t count_t(Connection& c) {
  Statement count(c, kCountT);
  EXPECT_TRUE(count.step());
  return count.int64(0);
}

TEST(ConnectionPool, AUnitLendsItsConnectionToEveryAcquireOfItsThread) {
  std::atomic<int> opened{0};
  ConnectionPool pool(counting_opener("unit", opened), 1, 20ms, "unit");
  Statement(*pool.acquire(), kCreateT).run();
  Connection* in_unit = nullptr;
  pool.run_unit([&] {
    // A pool of one: without the loan, the second acquire would wait and time out.
    auto a = pool.acquire();
    auto b = pool.acquire();
    in_unit = &*a;
    EXPECT_EQ(&*a, &*b);
    EXPECT_TRUE(a->in_transaction());
    Statement(*a, kInsertT).bind_blob(1, "a").run();
    // Another thread gets no connection while the unit holds the only one.
    EXPECT_THROW(std::async(std::launch::async, [&] { pool.acquire(); }).get(), StorageError);
  });
  auto after = pool.acquire();
  EXPECT_EQ(&*after, in_unit) << "the borrowed leases gave nothing back twice";
  EXPECT_FALSE(after->in_transaction());
  EXPECT_EQ(count_t(*after), 1);
  EXPECT_EQ(opened.load(), 1);
}

TEST(ConnectionPool, AUnitThatThrowsRollsBackAndFreesItsConnection) {
  std::atomic<int> opened{0};
  ConnectionPool pool(counting_opener("unit-throw", opened), 1, 20ms, "unit-throw");
  Statement(*pool.acquire(), kCreateT).run();
  EXPECT_THROW(pool.run_unit([&] {
    Statement(*pool.acquire(), kInsertT).bind_blob(1, "a").run();
    throw std::runtime_error("fails");
  }),
               std::runtime_error);
  auto c = pool.acquire();
  EXPECT_FALSE(c->in_transaction());
  EXPECT_FALSE(c->in_unit());
  EXPECT_EQ(count_t(*c), 0);
}

TEST(Transaction, InsideAUnitIsASavepointThatUndoesOnlyItself) {
  std::atomic<int> opened{0};
  ConnectionPool pool(counting_opener("savepoint", opened), 1, 20ms, "savepoint");
  Statement(*pool.acquire(), kCreateT).run();
  pool.run_unit([&] {
    auto c = pool.acquire();
    Statement(*c, kInsertT).bind_blob(1, "unit").run();
    {
      Transaction tx(*c, Transaction::Mode::kImmediate);  // no "transaction within a transaction"
      Statement(*c, kInsertT).bind_blob(1, "undone").run();
    }
    {
      Transaction tx(*c, Transaction::Mode::kImmediate);
      Statement(*c, kInsertT).bind_blob(1, "kept").run();
      tx.commit();
    }
    EXPECT_TRUE(c->in_transaction()) << "the savepoint's end ended the unit's transaction";
  });
  EXPECT_EQ(count_t(*pool.acquire()), 2);
}

TEST(Transaction, RollsBackUnlessCommitted) {
  Connection c(memory_spec("rollback"));
  Statement(c, kCreateT).run();
  {
    Transaction tx(c, Transaction::Mode::kImmediate);
    Statement(c, kInsertT).bind_blob(1, "a").run();
  }
  {
    Transaction tx(c, Transaction::Mode::kImmediate);
    Statement(c, kInsertT).bind_blob(1, "b").run();
    tx.commit();
  }
  Statement count(c, kCountT);
  ASSERT_TRUE(count.step());
  EXPECT_EQ(count.int64(0), 1);
}

TEST(Statement, EmptyBlobIsABlobNotNullAndBytesSurvive) {
  Connection c(memory_spec("bind"));
  {
    Statement s(c, kEcho);
    s.bind_blob(1, std::string_view());
    ASSERT_TRUE(s.step());
    EXPECT_FALSE(s.is_null(0));
    EXPECT_EQ(s.text(1), "blob");
    EXPECT_EQ(s.blob(0), "");
  }
  {
    Statement s(c, kEcho);
    s.bind_text(1, std::string("a\0b", 3));
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.text(1), "text");
    EXPECT_EQ(s.text(0), std::string("a\0b", 3));
  }
  {
    Statement s(c, kEcho);  // bindings were cleared by the previous use
    ASSERT_TRUE(s.step());
    EXPECT_TRUE(s.is_null(0));
  }
}

TEST(Connection, RefusesAQueryOfSeveralStatements) {
  Connection c(memory_spec("multi"));
  EXPECT_THROW(Statement(c, kTwoStatements), StorageError);
}

}  // namespace
}  // namespace gatehouse::storage::sqlite
