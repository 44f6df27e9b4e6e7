#pragma once
// The `gatehouse` commands besides `serve`, one file each, and the command line that picks one.
// Each returns the text for the operator; failures throw (StartupError: refused, exit 78; any
// other exception: exit 1).

#include <string>

#include "app/config/config.hpp"

namespace gatehouse::app::cli {

/// `gatehouse migrate`: applies pending migrations; with `dry_run`, lists them and their statements
/// instead and changes nothing. @throws StartupError if this binary is too old for the database
/// (either way: a dry run says what the real one would do).
std::string run_migrate(const config::Config& config, bool dry_run);
/// `gatehouse nodes`: the cluster's members as GET /api/system/nodes shows them.
std::string run_nodes(const config::Config& config);
/// `gatehouse keys rotate|list`: forces a rotation step, or lists the keys.
/// @throws std::runtime_error when a forced rotation has to wait (the message says why).
std::string run_keys(const config::Config& config, const std::string& action);
/// `gatehouse init --kickstart FILE`. @throws StartupError if the file is refused (nothing is
/// written then).
std::string run_init(const config::Config& config, const std::string& kickstart_path);

/// The whole command line: parses it, loads the configuration, sets up logging and runs the
/// command. @returns the process exit code (0 ok, 64 usage, 78 refused, 1 other).
int main(int argc, char** argv);

}  // namespace gatehouse::app::cli
