#pragma once
// A running node: its parts (app/wiring.hpp, the composition root) and the HTTP server that serves
// them until SIGTERM/SIGINT.

#include <chrono>
#include <memory>
#include <string>

#include "app/config/config.hpp"

namespace gatehouse::app {

struct Wiring;

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
  std::unique_ptr<Wiring> parts_;
};

}  // namespace gatehouse::app
