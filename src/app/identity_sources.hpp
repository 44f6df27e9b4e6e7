#pragma once
// The [[identity_sources]] of the configuration as the node's directories (issue 16): built at
// start, asked by the sign-in after the local accounts, shown in /api/system/identity-sources and
// in /metrics.

#include <memory>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "app/config/config.hpp"
#include "core/metrics.hpp"
#include "directory/identity_source.hpp"

namespace gatehouse::app {

/// The directory::Source options of one configured entry (load() has filled in its defaults).
directory::SourceOptions source_options(const config::IdentitySourceConfig& c);

/// One per entry, in the configured order. Connects to nothing yet.
std::vector<std::unique_ptr<directory::DirectoryIdentitySource>> make_directories(const config::Config& c);

/// The same list as the sign-in's identity sources.
std::vector<user::IdentitySource*> identity_sources_of(const std::vector<std::unique_ptr<directory::DirectoryIdentitySource>>& directories);

/// Each directory and its servers as this node sees them (for the admin API).
boost::json::array directories_json(const std::vector<std::unique_ptr<directory::DirectoryIdentitySource>>& directories);

/// The directories' gauges: gatehouse_directory_server_up and gatehouse_directory_connections
/// (idle / in use), per source and server. Nothing without directories.
void write_directory_metrics(metrics::Writer& out, const std::vector<std::unique_ptr<directory::DirectoryIdentitySource>>& directories);

}  // namespace gatehouse::app
