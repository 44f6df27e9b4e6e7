#pragma once
// The composition root (DESIGN.md): the only code that names concrete backends. A Node owns the
// store, the master key, the key ring, the router and the HTTP server, in that order of lifetime.

#include <chrono>
#include <memory>
#include <string>

#include "app/config/config.hpp"

namespace gatehouse::app {

class Node {
 public:
  /// Opens the store, migrates it, loads (or creates) the master key and the signing keys, and
  /// applies bootstrap.kickstart. @throws StartupError / StorageError with operator-facing text.
  explicit Node(const config::Config& config);
  ~Node();

  /// Binds, serves until SIGTERM/SIGINT and drains. @param started when the process started, for
  /// the "ready in N ms" line.
  void serve(std::chrono::steady_clock::time_point started);

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

/// `gatehouse migrate`: applies pending migrations. @returns a line for the operator.
std::string run_migrate(const config::Config& config);
/// `gatehouse nodes`: the cluster's members as GET /api/system/nodes shows them. @returns text.
std::string run_nodes(const config::Config& config);
/// `gatehouse keys rotate|list`: forces a rotation step, or lists the keys. @returns text for the
/// operator. @throws std::runtime_error when a forced rotation has to wait (the message says why).
std::string run_keys(const config::Config& config, const std::string& action);
/// `gatehouse init --kickstart FILE`. @returns a line for the operator.
/// @throws StartupError if the file is refused (nothing is written then).
std::string run_init(const config::Config& config, const std::string& kickstart_path);

}  // namespace gatehouse::app
