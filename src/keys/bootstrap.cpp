#include "keys/bootstrap.hpp"

#include <chrono>
#include <exception>
#include <thread>

#include "cluster/job_runner.hpp"
#include "core/log.hpp"

namespace gatehouse::keys {

void ensure_keys_once(KeyStore& keys, cluster::JobStore& jobs, KeyManager& manager,
                      const std::vector<jose::Algorithm>& algorithms, const Clock& clock, const std::string& node_id) {
  auto missing = [&] {
    std::size_t current = 0;
    for (const auto& k : keys.list_active()) current += k.state == KeyState::kCurrent;
    return current < algorithms.size();
  };
  if (!missing()) return;
  constexpr UnixMillis kLease = 60'000;
  std::exception_ptr failure;  // the runner records a failed run; this node's start must fail too
  cluster::JobRunner runner(jobs, clock, node_id, kLease);
  runner.add({"keys.bootstrap", 0,
              [&] {
                try {
                  manager.ensure_current_keys(algorithms);
                } catch (...) {
                  failure = std::current_exception();
                  throw;
                }
                return std::string("first signing keys");
              },
              kLease});
  const auto deadline = clock.now_ms() + 2 * kLease;
  while (clock.now_ms() < deadline) {
    if (runner.tick() > 0) {
      if (failure) std::rethrow_exception(failure);
      return;
    }
    if (!missing()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // another node is generating them
  }
  spdlog::warn("the node that claimed the first key generation did not finish it; generating here");
  manager.ensure_current_keys(algorithms);
}

}  // namespace gatehouse::keys
