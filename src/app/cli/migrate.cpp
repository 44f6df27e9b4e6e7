#include <cstdio>
#include <string>

#include "app/backends.hpp"
#include "app/cli/commands.hpp"
#include "storage/sql_script.hpp"

namespace gatehouse::app::cli {
namespace {

/// What `migrate --dry-run` prints: each pending migration's number, name and statements, one
/// line each. Reads only.
std::string plan(storage::Backend& backend) {
  const auto pending = backend.pending_migrations();
  const int current = backend.schema_version();
  const std::string nothing_changed = " (dry run: nothing was changed)";
  if (pending.empty()) {
    return "schema version " + std::to_string(current) + ": up to date, no migration pending" + nothing_changed;
  }
  const auto dialect = backend.kind() == "sqlite" ? storage::Dialect::kSqlite : storage::Dialect::kPostgres;
  std::string out = "schema version " + std::to_string(current) + ", this binary knows " +
                    std::to_string(backend.known_version()) + ": " + std::to_string(pending.size()) +
                    " migration(s) pending" + nothing_changed + "\n";
  for (const auto& m : pending) {
    const auto statements = storage::split_sql_script(m.sql, dialect);
    char number[16];
    std::snprintf(number, sizeof number, "%04d", m.version);
    out += std::string(number) + " " + std::string(m.name) + ": " + std::to_string(statements.size()) + " statement(s)\n";
    for (const auto& s : statements) out += "  " + storage::summarize_sql(s, dialect) + "\n";
  }
  // A migration that older binaries cannot live with raises the bar for every node still running.
  const int required = backend.required_binary_schema();
  const int allowed = backend.min_binary_schema();
  if (current > 0 && required > allowed) {
    out += "afterwards a binary must know schema " + std::to_string(required) + " or later (now " +
           std::to_string(allowed) + "): nodes of older releases stop being able to start\n";
  }
  out.pop_back();
  return out;
}

}  // namespace

std::string run_migrate(const config::Config& config, bool dry_run) {
  auto backend = open_backend(config, 1);
  if (dry_run) return plan(*backend);
  int applied = backend->migrate();
  return "schema version " + std::to_string(backend->schema_version()) + " (" + std::to_string(applied) +
         " migration(s) applied now)";
}

}  // namespace gatehouse::app::cli
