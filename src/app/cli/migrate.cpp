#include "app/backends.hpp"
#include "app/cli/commands.hpp"

namespace gatehouse::app::cli {

std::string run_migrate(const config::Config& config) {
  auto backend = open_backend(config, 1);
  int applied = backend->migrate();
  return "schema version " + std::to_string(backend->schema_version()) + " (" + std::to_string(applied) +
         " migration(s) applied now)";
}

}  // namespace gatehouse::app::cli
