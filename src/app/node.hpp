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

}  // namespace gatehouse::app
