// What `gatehouse migrate --dry-run` shows: the statement reader (storage/sql_script.hpp) on
// tricky text in both dialects and on every real SQLite migration, and
// SqliteBackend::pending_migrations, which must list exactly what migrate() would apply and change
// nothing.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "core/error.hpp"
#include "storage/sql_script.hpp"
#include "storage/sqlite/migrations.hpp"
#include "storage/sqlite/sqlite_backend.hpp"
#include "storage/sqlite/test_backends.hpp"

namespace gatehouse::storage::sqlite::test {
namespace {

using Statements = std::vector<std::string>;

/// A raw connection of the test's own: runs `sql`, or reads one text column of every row.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) throw std::runtime_error("cannot open " + path);
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  /// Runs exactly one statement: text after it (a second statement) is an error.
  void run_one(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, &tail) != SQLITE_OK)
      throw std::runtime_error(std::string(sqlite3_errmsg(db_)) + " in: " + sql);
    const std::string rest = tail == nullptr ? "" : tail;
    const int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) throw std::runtime_error(std::string(sqlite3_errmsg(db_)) + " in: " + sql);
    if (rest.find_first_not_of(" \t\r\n") != std::string::npos) throw std::runtime_error("more than one statement: " + sql);
  }

  Statements column(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    Statements out;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) throw std::runtime_error(sqlite3_errmsg(db_));
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* text = sqlite3_column_text(stmt, 0);
      out.emplace_back(text == nullptr ? "" : reinterpret_cast<const char*>(text));
    }
    sqlite3_finalize(stmt);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

// Everything the migrations create, as SQLite recorded it (the migration runner's own tables aside).
constexpr const char* kSchemaObjects =
    "SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master "
    "WHERE name NOT IN ('schema_migrations', 'schema_compat') ORDER BY type, name";

TEST(SqlScript, SemicolonsInQuotesCommentsAndBodiesDoNotEndAStatement) {
  const std::string postgres = R"sql(
-- a comment; with a semicolon
CREATE TABLE t (a text DEFAULT 'x;y', "odd;name" int);  /* block; comment */
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE NOTICE 'it''s; fine';  -- inside the body
  RETURN NEW;
END $$;
CREATE FUNCTION g() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$;
SELECT $1::int;;
UPDATE t SET a = 'last' -- no semicolon at the end
)sql";
  EXPECT_EQ(split_sql_script(postgres, Dialect::kPostgres),
            (Statements{"CREATE TABLE t (a text DEFAULT 'x;y', \"odd;name\" int)",
                        "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  RAISE NOTICE 'it''s; fine';"
                        "  -- inside the body\n  RETURN NEW;\nEND $$",
                        "CREATE FUNCTION g() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$", "SELECT $1::int",
                        "UPDATE t SET a = 'last' -- no semicolon at the end"}));

  const std::string sqlite = R"sql(
CREATE TABLE [a;b] (`c;d` TEXT);
create temp trigger t1 after insert on x begin
  insert into y values (';'); delete from z;
end;
CREATE TRIGGER t2 AFTER DELETE ON x BEGIN DELETE FROM y; END;
CREATE INDEX trigger_ix ON x (trigger);
)sql";
  EXPECT_EQ(split_sql_script(sqlite, Dialect::kSqlite),
            (Statements{"CREATE TABLE [a;b] (`c;d` TEXT)",
                        "create temp trigger t1 after insert on x begin\n  insert into y values (';'); delete from z;\nend",
                        "CREATE TRIGGER t2 AFTER DELETE ON x BEGIN DELETE FROM y; END",
                        "CREATE INDEX trigger_ix ON x (trigger)"}));
}

TEST(SqlScript, UnterminatedQuotesAndCommentsEndTheTextInsteadOfLooping) {
  EXPECT_EQ(split_sql_script("SELECT 'open; ever", Dialect::kSqlite), Statements{"SELECT 'open; ever"});
  EXPECT_EQ(split_sql_script("SELECT 1; /* never closed; ", Dialect::kPostgres), Statements{"SELECT 1"});
  EXPECT_EQ(split_sql_script("DO $x$ open; ", Dialect::kPostgres), Statements{"DO $x$ open;"});
  EXPECT_EQ(split_sql_script("", Dialect::kSqlite), Statements{});
  EXPECT_EQ(split_sql_script(" ;; -- only a comment\n", Dialect::kSqlite), Statements{});
}

TEST(SqlScript, ASummaryIsOneLineWithoutCommentsCutWithDots) {
  const std::string statement = "CREATE TABLE t (  -- the table\n  id   text NOT NULL,\n  b bytea /* x */ )";
  EXPECT_EQ(summarize_sql(statement, Dialect::kPostgres), "CREATE TABLE t ( id text NOT NULL, b bytea )");
  EXPECT_EQ(summarize_sql(statement, Dialect::kPostgres, 20), "CREATE TABLE t (...");
  EXPECT_EQ(summarize_sql("SELECT 'a  b'", Dialect::kSqlite), "SELECT 'a b'");
  EXPECT_LE(summarize_sql(std::string(5000, 'x'), Dialect::kSqlite).size(), 100u);
  // Cut right after a word, with only space left before the rest: still marked as cut.
  EXPECT_EQ(summarize_sql("SELECT abcdefghi FROM t", Dialect::kSqlite, 16), "SELECT abcdef...");
  EXPECT_EQ(summarize_sql("SELECT abcdefghi   FROM t", Dialect::kSqlite, 17), "SELECT abcdefg...");
  EXPECT_EQ(summarize_sql("SELECT 1 ", Dialect::kSqlite, 8), "SELECT 1");
}

TEST(SqlScript, EveryStatementOfEverySqliteMigrationRunsAloneAndTheyBuildTheSameSchema) {
  TempDir dir;
  const std::string by_statement = (dir.path() / "statements.db").string();
  const std::string by_migrate = (dir.path() / "migrated.db").string();
  {
    RawDb db(by_statement);
    for (const auto& m : migrations()) {
      const auto statements = split_sql_script(m.sql, Dialect::kSqlite);
      EXPECT_FALSE(statements.empty()) << m.name;
      for (const auto& s : statements) {
        EXPECT_EQ(sqlite3_complete((s + ";").c_str()), 1) << s;
        EXPECT_NO_THROW(db.run_one(s)) << m.version << " " << m.name;
      }
    }
  }
  SqliteBackend(SqliteOptions{.path = by_migrate}).migrate();
  const auto built = RawDb(by_statement).column(kSchemaObjects);
  EXPECT_GT(built.size(), 30u);
  EXPECT_EQ(built, RawDb(by_migrate).column(kSchemaObjects));
}

TEST(SqliteBackend, PendingMigrationsAreWhatMigrateWouldApplyAndReadingThemChangesNothing) {
  TempDir dir;
  const std::string path = (dir.path() / "gatehouse.db").string();
  SqliteBackend backend(SqliteOptions{.path = path});
  const auto all = backend.pending_migrations();
  ASSERT_EQ(all.size(), migrations().size());
  EXPECT_EQ(all.front().version, 1);
  EXPECT_EQ(all.back().version, SqliteBackend::latest_version());
  EXPECT_EQ(backend.schema_version(), 0);
  EXPECT_EQ(backend.min_binary_schema(), 0);
  EXPECT_TRUE(RawDb(path).column(kSchemaObjects).empty());

  backend.migrate();
  EXPECT_TRUE(backend.pending_migrations().empty());
  // One migration missing from the record: it alone is pending.
  const int last = SqliteBackend::latest_version();
  RawDb(path).run_one("DELETE FROM schema_migrations WHERE version = " + std::to_string(last));
  const auto one = backend.pending_migrations();
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].version, last);
  EXPECT_EQ(one[0].name, migrations().back().name);
  EXPECT_EQ(backend.schema_version(), last - 1);
}

TEST(SqliteBackend, PendingMigrationsRefuseABinaryTooOldForTheDatabaseAsMigrateDoes) {
  TempDir dir;
  const std::string path = (dir.path() / "gatehouse.db").string();
  SqliteBackend backend(SqliteOptions{.path = path});
  backend.migrate();
  const int newer = SqliteBackend::latest_version() + 1;
  RawDb(path).run_one("UPDATE schema_compat SET min_binary_schema = " + std::to_string(newer));
  EXPECT_THROW(backend.pending_migrations(), StartupError);
  EXPECT_EQ(backend.required_binary_schema(), SqliteBackend::kRequiredBinarySchema);
}

}  // namespace
}  // namespace gatehouse::storage::sqlite::test
