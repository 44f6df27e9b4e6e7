#include <cstdio>
#include <stdexcept>

#include "app/backends.hpp"
#include "app/cli/commands.hpp"
#include "app/options.hpp"
#include "keys/master_key.hpp"

namespace gatehouse::app::cli {

std::string run_keys(const config::Config& config, const std::string& action) {
  auto store = open_store(config);
  auto master = keys::load_master_key({config.keys.master_key_file, config.keys.master_key}, store->keys());
  SystemClock clock;
  keys::KeyManager manager(store->keys(), master, clock);
  if (action == "rotate") {
    // The running nodes learn of the new keys from the key changes' cluster events.
    auto result = manager.rotate(algorithms_of(config), rotation_policy(config), true);
    if (result.rotated.empty() && !result.refused.empty()) throw std::runtime_error("not rotated: " + result.refused);
    return result.summary();
  }
  std::string out = "kid                                          alg    state     created_at  activates_at  retires_at\n";
  for (const auto& k : store->keys().list_active()) {
    char line[256];
    std::snprintf(line, sizeof line, "%-44s %-6s %-9s %11lld %13lld  %s\n", k.kid.c_str(), k.alg.c_str(),
                  std::string(keys::to_string(k.state)).c_str(), static_cast<long long>(k.created_at),
                  static_cast<long long>(k.activates_at), k.retires_at ? std::to_string(*k.retires_at).c_str() : "-");
    out += line;
  }
  out.pop_back();
  return out;
}

}  // namespace gatehouse::app::cli
