#pragma once
// The configuration schema: one descriptor per key, read by the loader (apply) and by render, so
// a key is named once. Internal to app/config; docs/CONFIG.md documents the same keys in the
// same order.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "app/config/config.hpp"
#include "app/config/validators.hpp"
#include "app/config/values.hpp"

namespace gatehouse::app::config {

/// The one field of Config a key is read into and rendered from; its type says how it is parsed.
using FieldRef = std::variant<std::string*, bool*, int*, std::int64_t*, std::size_t*, std::uint32_t*, milliseconds*,
                              seconds*, std::vector<std::string>*, MasterKeyBytes*, MetricsToken*, DatabaseUrl*, DirectoryPassword*>;

struct Key {
  std::string_view section;
  std::string_view name;
  FieldRef (*field)(Config&) = nullptr;
  /// May differ between the nodes of one cluster (their own id, address, threads, files, log
  /// level); every other key is part of what the cluster must agree on (render_cluster_wide()).
  bool node_local = false;
  std::int64_t min = 0;  ///< integers and sizes; durations in milliseconds whatever the field's unit
  std::int64_t max = 0;
  bool size = false;               ///< an integer also written as "64KiB" / "16MiB"
  StringCheck check = nullptr;     ///< strings and secrets
  ListCheck check_list = nullptr;  ///< lists
  bool redact = false;             ///< a URL rendered without its password (a string, or a secret URL)
  std::string_view if_set;         ///< secrets (never rendered): said when set ...
  std::string_view if_unset;       ///< ... and when not
};

/// Every key, in the order of render() and docs/CONFIG.md.
std::span<const Key> keys();
/// The sections, in the same order.
std::span<const std::string_view> sections();
const Key* find_key(std::string_view section, std::string_view name);
/// "section.name"
std::string dotted(const Key& key);

/// Parses `in`, checks it and stores it into the key's field.
/// @returns the problem, without the key's label.
Check apply(const Key& key, Config& config, const Value& in);
/// "name = value" in TOML, or for a secret a comment saying whether it is set.
std::string render_line(const Key& key, const Config& config);

/// apply() and render_line() for a field that is not one of Config's sections (the keys of an
/// [[identity_sources]] entry): `key` gives the bounds and checks, `field` the place.
Check apply_field(const Key& key, FieldRef field, const Value& in);
std::string render_field(const Key& key, FieldRef field);

}  // namespace gatehouse::app::config
