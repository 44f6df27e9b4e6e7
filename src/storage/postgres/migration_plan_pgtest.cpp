// What `gatehouse migrate --dry-run` shows on PostgreSQL: every real migration read statement by
// statement (storage/sql_script.hpp: dollar-quoted function bodies included) runs statement by
// statement and builds what migrate() builds; PostgresBackend::pending_migrations lists exactly
// what migrate() would apply and changes nothing.
#include <string>

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "storage/postgres/migrations.hpp"
#include "storage/postgres/postgres_backend.hpp"
#include "storage/postgres/test_backends.hpp"
#include "storage/sql_script.hpp"

namespace gatehouse::storage::postgres::test {
namespace {

// What a schema holds (the migration runner's own tables aside): columns with their types,
// indexes, triggers and functions, each as one sorted list, with the schema's own name taken out.
constexpr Query kSchemaShape{"test_schema_shape", R"sql(
SELECT (SELECT string_agg(table_name || '.' || column_name || ' ' || data_type || ' ' || replace(coalesce(column_default, ''), $1 || '.', ''),
                          ', ' ORDER BY table_name, column_name)
          FROM information_schema.columns
         WHERE table_schema = $1 AND table_name NOT IN ('schema_migrations', 'schema_compat')),
       (SELECT string_agg(indexname || ' ' || replace(indexdef, $1 || '.', ''), ', ' ORDER BY indexname)
          FROM pg_indexes WHERE schemaname = $1 AND tablename NOT IN ('schema_migrations', 'schema_compat')),
       (SELECT string_agg(trigger_name || ' ' || event_manipulation || ' ' || event_object_table, ', '
                          ORDER BY trigger_name, event_manipulation)
          FROM information_schema.triggers WHERE trigger_schema = $1),
       (SELECT string_agg(p.proname, ', ' ORDER BY p.proname)
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1))sql"};

std::string shape_of(const std::string& schema) {
  auto raw = raw_connection();
  const auto result = raw->execute(kSchemaShape, Params().text(schema));
  const auto row = result.row(0);
  return row.text(0) + "\n" + row.text(1) + "\n" + row.text(2) + "\n" + row.text(3);
}

TEST(PostgresMigrationPlan, EveryStatementOfEveryMigrationRunsAloneAndTheyBuildTheSameSchema) {
  auto by_statement = open_backend(/*migrate=*/false);
  auto by_migrate = open_backend(/*migrate=*/true);
  auto raw = raw_connection(by_statement->schema);
  int functions = 0;
  for (const auto& m : migrations()) {
    const auto statements = split_sql_script(m.sql, Dialect::kPostgres);
    EXPECT_FALSE(statements.empty()) << m.name;
    for (const auto& s : statements) {
      if (s.starts_with("CREATE FUNCTION")) ++functions;
      // One statement, or the server would run what a wrong split left together.
      EXPECT_EQ(split_sql_script(s, Dialect::kPostgres).size(), 1u) << s;
      EXPECT_NO_THROW(raw->exec_script("statement of " + std::string(m.name), s)) << m.version << " " << s;
    }
  }
  EXPECT_GE(functions, 4);  // dollar-quoted bodies were read as part of their statement
  const std::string built = shape_of(by_statement->schema);
  EXPECT_GT(built.size(), 1000u);
  EXPECT_EQ(built, shape_of(by_migrate->schema));
}

TEST(PostgresMigrationPlan, PendingMigrationsAreWhatMigrateWouldApplyAndReadingThemChangesNothing) {
  auto open = open_backend(/*migrate=*/false);
  auto& backend = *open->backend;
  const auto all = backend.pending_migrations();
  ASSERT_EQ(all.size(), migrations().size());
  EXPECT_EQ(all.back().version, PostgresBackend::latest_version());
  EXPECT_EQ(backend.schema_version(), 0);
  EXPECT_EQ(backend.min_binary_schema(), 0);
  EXPECT_EQ(shape_of(open->schema), "\n\n\n");

  backend.migrate();
  EXPECT_TRUE(backend.pending_migrations().empty());
  // The database as the previous release left it: the last migration not yet applied.
  const int last = PostgresBackend::latest_version();
  constexpr Query kForget{"test_forget_migration", "DELETE FROM schema_migrations WHERE version = $1"};
  raw_connection(open->schema)->execute(kForget, Params().int8(last));
  const auto one = backend.pending_migrations();
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].version, last);
  EXPECT_EQ(one[0].name, migrations().back().name);
  EXPECT_LT(backend.schema_version(), last);
}

TEST(PostgresMigrationPlan, PendingMigrationsRefuseABinaryTooOldForTheDatabaseAsMigrateDoes) {
  auto open = open_backend();
  constexpr Query kRaise{"test_raise_compat", "UPDATE schema_compat SET min_binary_schema = $1"};
  raw_connection(open->schema)->execute(kRaise, Params().int8(PostgresBackend::latest_version() + 1));
  EXPECT_THROW(open->backend->pending_migrations(), StartupError);
  EXPECT_EQ(open->backend->required_binary_schema(), PostgresBackend::kRequiredBinarySchema);
}

}  // namespace
}  // namespace gatehouse::storage::postgres::test
