// The command line: serve, migrate, init, config check, nodes, keys, version.
// Exit codes: 0 ok, 64 usage error, 78 configuration / kickstart / master key refused, 1 other.

#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/cli/commands.hpp"
#include "app/logging.hpp"
#include "app/node.hpp"
#include "core/error.hpp"
#include "core/log.hpp"

#ifndef GATEHOUSE_VERSION
#define GATEHOUSE_VERSION "0.0.0"
#endif

namespace gatehouse::app::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 64;
constexpr int kExitConfig = 78;

constexpr const char* kUsage =
    "usage: gatehouse <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve [--config FILE]                     run a node\n"
    "  migrate [--config FILE] [--dry-run]       apply pending schema migrations (--dry-run: list\n"
    "                                            them and their statements, change nothing)\n"
    "  init [--config FILE] --kickstart FILE     apply a kickstart file (idempotent)\n"
    "  config check [--config FILE]              print the effective configuration, secrets redacted\n"
    "  nodes [--config FILE]                     list the cluster's nodes, their states and any drift\n"
    "  keys list [--config FILE]                 list the signing keys and their states\n"
    "  keys rotate [--config FILE]               rotate the signing keys now (every node follows)\n"
    "  version                                   print the version\n"
    "\n"
    "Every configuration key can be overridden with GATEHOUSE_<SECTION>_<KEY>; see docs/CONFIG.md.\n";

/// What the command line asks for.
struct Invocation {
  std::string command;  // "serve", "config check", "keys list", ...
  std::string config_path;
  std::string kickstart_path;
  bool dry_run = false;  // migrate --dry-run
};

/// A refused command line: the message printed above the usage.
struct UsageError {
  std::string message;
};

int usage_error(const std::string& message) {
  std::fprintf(stderr, "gatehouse: %s\n\n%s", message.c_str(), kUsage);
  return kExitUsage;
}

/// The command's name from the first words ("config check", "keys rotate"); `next` is the index
/// of the first option.
Result<std::string, UsageError> command_of(const std::vector<std::string>& args, std::size_t& next) {
  if (args.empty()) return unexpected(UsageError{"no command given"});
  next = 1;
  if (args[0] == "config") {
    if (args.size() < 2 || args[1] != "check") return unexpected(UsageError{"the config command is 'config check'"});
    next = 2;
    return std::string("config check");
  }
  if (args[0] == "keys") {
    if (args.size() < 2 || (args[1] != "rotate" && args[1] != "list"))
      return unexpected(UsageError{"the keys commands are 'keys list' and 'keys rotate'"});
    next = 2;
    return "keys " + args[1];
  }
  return args[0];
}

/// The options after the command: --config FILE (or --config=FILE), for init --kickstart, for
/// migrate --dry-run.
std::optional<UsageError> read_options(const std::vector<std::string>& args, std::size_t i, Invocation& inv) {
  const bool init = inv.command == "init";
  for (; i < args.size(); ++i) {
    const auto& a = args[i];
    if (inv.command == "migrate" && a == "--dry-run") {
      inv.dry_run = true;
    } else if (a == "--config" || (init && a == "--kickstart")) {
      if (i + 1 >= args.size()) return UsageError{a + " needs a file"};
      (a == "--config" ? inv.config_path : inv.kickstart_path) = args[++i];
    } else if (a.rfind("--config=", 0) == 0) {
      inv.config_path = a.substr(9);
    } else if (init && a.rfind("--kickstart=", 0) == 0) {
      inv.kickstart_path = a.substr(12);
    } else {
      return UsageError{"unknown option '" + a + "' for " + inv.command};
    }
  }
  if (init && inv.kickstart_path.empty()) return UsageError{"init needs --kickstart FILE"};
  return std::nullopt;
}

bool is_command(const std::string& c) {
  for (const char* known : {"serve", "migrate", "init", "config check", "keys list", "keys rotate", "nodes"})
    if (c == known) return true;
  return false;
}

/// Runs a command that needs the configuration. Exceptions map to exit codes.
int run(const Invocation& inv, const config::Config& config, std::chrono::steady_clock::time_point started) {
  // Everything the node creates (database, WAL, master key) holds secrets or their hashes:
  // private to the service's user.
  ::umask(0077);
  // A node keeps its recent lines for GET /api/system/logs; one-shot commands need no ring.
  constexpr std::size_t kRingLines = 2000;
  setup_logging(config.log.level, config.log.format, config.cluster.node_id.empty() ? "standalone" : config.cluster.node_id,
                inv.command == "serve" ? std::make_shared<LogRing>(kRingLines) : nullptr);
  try {
    if (inv.command == "serve") {
      Node node(config);
      node.serve(started);
      return kExitOk;
    }
    std::string out;
    if (inv.command == "migrate") out = run_migrate(config, inv.dry_run);
    else if (inv.command == "nodes") out = run_nodes(config);
    else if (inv.command == "init") out = run_init(config, inv.kickstart_path);
    else out = run_keys(config, inv.command.substr(5));
    std::printf("%s\n", out.c_str());
  } catch (const StartupError& e) {
    std::fprintf(stderr, "gatehouse: start refused: %s\n", e.what());
    return kExitConfig;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gatehouse: %s\n", e.what());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  const auto started = std::chrono::steady_clock::now();
  const std::vector<std::string> args(argv + 1, argv + argc);
  Invocation inv;
  std::size_t next = 0;
  auto command = command_of(args, next);
  if (!command) return usage_error(command.error().message);
  inv.command = *command;
  if (inv.command == "help" || inv.command == "--help" || inv.command == "-h") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (inv.command == "version" || inv.command == "--version") {
    std::printf("gatehouse %s\n", GATEHOUSE_VERSION);
    return kExitOk;
  }
  if (!is_command(inv.command)) return usage_error("unknown command '" + inv.command + "'");
  if (auto refused = read_options(args, next, inv)) return usage_error(refused->message);
  auto config = config::load(inv.config_path, config::environment_from_process());
  if (!config) {
    std::fprintf(stderr, "gatehouse: configuration refused: %s\n", config.error().c_str());
    return kExitConfig;
  }
  if (inv.command == "config check") {
    std::fputs(config::render(*config).c_str(), stdout);
    return kExitOk;
  }
  return run(inv, *config, started);
}

}  // namespace gatehouse::app::cli
