// A statement written in PostgreSQL's placeholder style ($1, $2, ...) runs on SQLite
// (storage/query.hpp): sqlite_placeholders() and Connection::prepared().
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "storage/sqlite/connection.hpp"

namespace gatehouse::storage::sqlite {
namespace {

TEST(SqlitePlaceholders, DollarNumbersBecomeQuestionNumbers) {
  EXPECT_EQ(sqlite_placeholders("SELECT a FROM t WHERE b = $1 AND c > $2 - $10"),
            "SELECT a FROM t WHERE b = ?1 AND c > ?2 - ?10");
  EXPECT_EQ(sqlite_placeholders("VALUES ($1,$2)"), "VALUES (?1,?2)");
  EXPECT_EQ(sqlite_placeholders("$1"), "?1");
  EXPECT_EQ(sqlite_placeholders("already ?1 and ?2"), "already ?1 and ?2");
  EXPECT_EQ(sqlite_placeholders(""), "");
}

TEST(SqlitePlaceholders, LiteralsIdentifiersAndCommentsAreLeftAlone) {
  EXPECT_EQ(sqlite_placeholders("SELECT '$1', $2"), "SELECT '$1', ?2");
  EXPECT_EQ(sqlite_placeholders("SELECT 'it''s $1' || $2"), "SELECT 'it''s $1' || ?2");
  EXPECT_EQ(sqlite_placeholders(R"(SELECT "$1", `$2`, [$3] FROM t WHERE x = $4)"),
            R"(SELECT "$1", `$2`, [$3] FROM t WHERE x = ?4)");
  EXPECT_EQ(sqlite_placeholders("SELECT $1 -- not $2\n, $3"), "SELECT ?1 -- not $2\n, ?3");
  EXPECT_EQ(sqlite_placeholders("SELECT /* $1 */ $2"), "SELECT /* $1 */ ?2");
  EXPECT_EQ(sqlite_placeholders("SELECT a$1, $b, $ 1, x'$1'"), "SELECT a$1, $b, $ 1, x'$1'");
  // Unterminated pieces end the text (SQLite refuses such a statement when it is prepared).
  EXPECT_EQ(sqlite_placeholders("SELECT '$1"), "SELECT '$1");
  EXPECT_EQ(sqlite_placeholders("SELECT /* $1"), "SELECT /* $1");
  EXPECT_EQ(sqlite_placeholders("SELECT $1 --"), "SELECT ?1 --");
}

constexpr Query kReversed{"test_reversed", "SELECT $2 || $1, '$1', $2"};

TEST(SqlitePlaceholders, AStatementInPostgresStyleBindsByNumber) {
  Connection connection(ConnectionSpec{.target = ":memory:", .wal = false, .label = "test"});
  // SQLite alone would read $2 as a parameter named "$2" and number it 1 (first seen).
  for (int round = 0; round < 2; ++round) {  // the second use is the cached statement
    Statement s(connection, kReversed);
    s.bind_text(1, "a").bind_text(2, "b");
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.text(0), "ba");
    EXPECT_EQ(s.text(1), "$1");
    EXPECT_EQ(s.text(2), "b");
  }
}

// first_row() steps a statement to its end: in autocommit the commit happens there, and a write
// whose commit fails (here a deferred foreign key) is an error even though its RETURNING row came.
constexpr Query kInsertChild{"test_insert_child", "INSERT INTO child (id, parent) VALUES ($1, $2) RETURNING id"};

TEST(SqliteFirstRow, AWriteWhoseCommitFailsIsAnErrorAfterItsReturningRow) {
  Connection connection(ConnectionSpec{.target = ":memory:", .wal = false, .label = "test"});
  connection.exec_script("schema", R"sql(
CREATE TABLE parent (id INTEGER PRIMARY KEY);
CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
INSERT INTO parent (id) VALUES (1);)sql");
  const auto read_id = [](const Statement& row) { return row.int64(0); };
  EXPECT_EQ(first_row(connection, kInsertChild, [](Binder& b) { b.int8(10).int8(1); }, read_id), 10);
  EXPECT_THROW(first_row(connection, kInsertChild, [](Binder& b) { b.int8(11).int8(2); }, read_id), gatehouse::StorageError);
  // Nothing of the failed write stays.
  Statement count(connection, Query{"test_count_children", "SELECT count(*) FROM child"});
  ASSERT_TRUE(count.step());
  EXPECT_EQ(count.int64(0), 1);
}

}  // namespace
}  // namespace gatehouse::storage::sqlite
