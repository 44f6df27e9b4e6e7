#include <cstdio>

#include "app/backends.hpp"
#include "app/cli/commands.hpp"
#include "cluster/membership.hpp"

namespace gatehouse::app::cli {

std::string run_nodes(const config::Config& config) {
  auto store = open_backend(config, 1);
  SystemClock clock;
  const auto now = clock.now_ms();
  const auto nodes = store->nodes().list();
  std::string out = "node_id              state       version   last check-in  applied event  url\n";
  for (const auto& n : nodes) {
    char line[512];
    std::snprintf(line, sizeof line, "%-20s %-11s %-9s %10llds ago %14lld  %s\n", n.node_id.c_str(),
                  std::string(cluster::to_string(n.state)).c_str(), n.version.c_str(),
                  static_cast<long long>((now - n.last_checkin) / 1000), static_cast<long long>(n.applied_event),
                  n.url.empty() ? "-" : n.url.c_str());
    out += line;
  }
  if (nodes.empty()) out += "(no node has checked in)\n";
  out += "latest event " + std::to_string(store->events().latest_seq()) + "\n";
  for (const auto& d : cluster::drift_of(nodes)) out += "drift: " + d + "\n";
  out.pop_back();
  return out;
}

}  // namespace gatehouse::app::cli
