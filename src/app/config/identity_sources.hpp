#pragma once
// The keys of an [[identity_sources]] entry (issue 16): their descriptors, the defaults each type
// brings, the checks across an entry's keys, and their TOML. Internal to app/config; the loader
// reads the array, docs/CONFIG.md documents the keys in this order.

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "app/config/config.hpp"
#include "app/config/schema.hpp"

namespace gatehouse::app::config {

struct SourceKey {
  Key key;  ///< bounds, checks, node_local, secrets' texts; its `field` is unused
  FieldRef (*field)(IdentitySourceConfig&) = nullptr;
};

inline constexpr std::string_view kSourcesTable = "identity_sources";
inline constexpr std::string_view kSourceAttributes = "attributes";

std::span<const SourceKey> source_keys();
const SourceKey* find_source_key(std::string_view name);
/// The names of source_keys() and "attributes", for "unknown key" messages.
std::string source_key_names();

/// Reads one claim = attribute pair of an entry's [identity_sources.attributes] table.
Check apply_source_attribute(IdentitySourceConfig& source, const std::string& claim, const Value& in);

/// The label of entry `index` (0-based) in messages: identity_sources[1], identity_sources[2] ...
std::string source_label(std::size_t index);

/// Fills in what each entry's type brings, reads bind_password_file and checks the rules across
/// an entry's keys and between entries. @returns one message per broken rule.
std::vector<std::string> complete_sources(std::vector<IdentitySourceConfig>& sources);

/// The entries as [[identity_sources]] tables (cluster_wide_only: without the node-local keys).
std::string render_sources(const std::vector<IdentitySourceConfig>& sources, bool cluster_wide_only);

}  // namespace gatehouse::app::config
