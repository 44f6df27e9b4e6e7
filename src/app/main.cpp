// gatehouse: the command line. Commands: serve, migrate, init, config check, version.
// Exit codes: 0 ok, 64 usage error, 78 configuration / kickstart / master key refused, 1 other.

#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "app/config/config.hpp"
#include "app/logging.hpp"
#include "app/node.hpp"
#include "core/error.hpp"
#include "core/log.hpp"

#ifndef GATEHOUSE_VERSION
#define GATEHOUSE_VERSION "0.0.0"
#endif

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
    "  migrate [--config FILE]                   apply pending schema migrations\n"
    "  init [--config FILE] --kickstart FILE     apply a kickstart file (idempotent)\n"
    "  config check [--config FILE]              print the effective configuration, secrets redacted\n"
    "  nodes [--config FILE]                     list the cluster's nodes, their states and any drift\n"
    "  keys list [--config FILE]                 list the signing keys and their states\n"
    "  keys rotate [--config FILE]               rotate the signing keys now (every node follows)\n"
    "  version                                   print the version\n"
    "\n"
    "Every configuration key can be overridden with GATEHOUSE_<SECTION>_<KEY>; see docs/CONFIG.md.\n";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "gatehouse: %s\n\n%s", message.c_str(), kUsage);
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage_error("no command given");
  std::string command = args[0];
  std::size_t i = 1;
  if (command == "config") {
    if (args.size() < 2 || args[1] != "check") return usage_error("the config command is 'config check'");
    command = "config check";
    i = 2;
  } else if (command == "keys") {
    if (args.size() < 2 || (args[1] != "rotate" && args[1] != "list")) return usage_error("the keys commands are 'keys list' and 'keys rotate'");
    command = "keys " + args[1];
    i = 2;
  }
  if (command == "help" || command == "--help" || command == "-h") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (command == "version" || command == "--version") {
    std::printf("gatehouse %s\n", GATEHOUSE_VERSION);
    return kExitOk;
  }
  if (command != "serve" && command != "migrate" && command != "init" && command != "config check" &&
      command != "keys list" && command != "keys rotate" && command != "nodes")
    return usage_error("unknown command '" + command + "'");

  std::string config_path;
  std::string kickstart_path;
  for (; i < args.size(); ++i) {
    const auto& a = args[i];
    auto value = [&](const char* name) -> const std::string* {
      if (i + 1 >= args.size()) return nullptr;
      (void)name;
      return &args[++i];
    };
    if (a == "--config") {
      const auto* v = value("--config");
      if (v == nullptr) return usage_error("--config needs a file");
      config_path = *v;
    } else if (a.rfind("--config=", 0) == 0) {
      config_path = a.substr(9);
    } else if (command == "init" && a == "--kickstart") {
      const auto* v = value("--kickstart");
      if (v == nullptr) return usage_error("--kickstart needs a file");
      kickstart_path = *v;
    } else if (command == "init" && a.rfind("--kickstart=", 0) == 0) {
      kickstart_path = a.substr(12);
    } else {
      return usage_error("unknown option '" + a + "' for " + command);
    }
  }
  if (command == "init" && kickstart_path.empty()) return usage_error("init needs --kickstart FILE");

  auto config = gatehouse::app::config::load(config_path, gatehouse::app::config::environment_from_process());
  if (!config) {
    std::fprintf(stderr, "gatehouse: configuration refused: %s\n", config.error().c_str());
    return kExitConfig;
  }
  if (command == "config check") {
    std::fputs(gatehouse::app::config::render(*config).c_str(), stdout);
    return kExitOk;
  }

  // Everything the node creates (database, WAL, master key) holds secrets or their hashes:
  // private to the service's user.
  ::umask(0077);
  // A node keeps its recent lines for GET /api/system/logs; one-shot commands need no ring.
  constexpr std::size_t kRingLines = 2000;
  gatehouse::app::setup_logging(config->log.level, config->log.format,
                                config->cluster.node_id.empty() ? "standalone" : config->cluster.node_id,
                                command == "serve" ? std::make_shared<gatehouse::app::LogRing>(kRingLines) : nullptr);
  try {
    if (command == "migrate") {
      std::printf("%s\n", gatehouse::app::run_migrate(*config).c_str());
    } else if (command == "nodes") {
      std::printf("%s\n", gatehouse::app::run_nodes(*config).c_str());
    } else if (command.rfind("keys ", 0) == 0) {
      std::printf("%s\n", gatehouse::app::run_keys(*config, command.substr(5)).c_str());
    } else if (command == "init") {
      std::printf("%s\n", gatehouse::app::run_init(*config, kickstart_path).c_str());
    } else {
      gatehouse::app::Node node(*config);
      node.serve(started);
    }
  } catch (const gatehouse::StartupError& e) {
    std::fprintf(stderr, "gatehouse: start refused: %s\n", e.what());
    return kExitConfig;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gatehouse: %s\n", e.what());
    return kExitFailure;
  }
  return kExitOk;
}
