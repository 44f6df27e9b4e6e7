// The effective configuration as loadable TOML (`gatehouse config check`), and the part of it the
// nodes of a cluster must agree on. Secrets are never written.
#include <string_view>

#include "app/config/config.hpp"
#include "app/config/identity_sources.hpp"
#include "app/config/schema.hpp"

namespace gatehouse::app::config {
namespace {

// Every key, or only the cluster-wide ones, under its [section] header, in schema order.
std::string render_keys(const Config& config, bool cluster_wide_only) {
  std::string out;
  std::string_view section;
  for (const auto& k : keys()) {
    if (cluster_wide_only && k.node_local) continue;
    if (k.section != section) {
      section = k.section;
      out += "\n[" + std::string(section) + "]\n";
    }
    out += render_line(k, config) + "\n";
  }
  return out + render_sources(config.identity_sources, cluster_wide_only);
}

}  // namespace

std::string redact_url(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  const auto authority = scheme_end + 3;
  const auto at = url.find('@', authority);
  const auto slash = url.find('/', authority);
  if (at == std::string::npos || (slash != std::string::npos && at > slash)) return url;
  const auto colon = url.find(':', authority);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "<redacted>" + url.substr(at);
}

std::string render(const Config& config) {
  std::string out = "# Effective Gatehouse configuration (defaults < file < GATEHOUSE_* environment).\n";
  out += "# Source file: " + (config.source_path.empty() ? std::string("none (defaults and environment only)") : config.source_path) + "\n";
  return out + render_keys(config, false);
}

std::string render_cluster_wide(const Config& config) { return render_keys(config, true); }

}  // namespace gatehouse::app::config
