// Loading: defaults, then the TOML file, then GATEHOUSE_<SECTION>_<KEY> variables. Every problem
// is collected and reported at once, each with the key and where its value came from. The only
// translation unit that includes toml++ (it is heavy to compile).
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>
#include <system_error>

#include <unistd.h>  // environ

#include <toml++/toml.h>

#include "app/config/config.hpp"
#include "app/config/identity_sources.hpp"
#include "app/config/schema.hpp"

namespace gatehouse::app::config {
namespace {

constexpr std::string_view kEnvPrefix = "GATEHOUSE_";

std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "nothing";
  }
}

// The TOML value as the schema reads it.
Value value_of(const toml::node& node) {
  Value v;
  v.type = type_name(node);
  if (const auto* s = node.as_string()) {
    v.kind = Value::Kind::kString;
    v.text = s->get();
  } else if (const auto* i = node.as_integer()) {
    v.kind = Value::Kind::kInteger;
    v.integer = i->get();
  } else if (const auto* b = node.as_boolean()) {
    v.kind = Value::Kind::kBoolean;
    v.boolean = b->get();
  } else if (const auto* array = node.as_array()) {
    v.kind = Value::Kind::kArray;
    for (std::size_t i = 0; i < array->size() && !v.bad_item; ++i) {
      if (const auto* item = array->get(i)->as_string()) {
        v.items.push_back(item->get());
      } else {
        v.bad_item = {i + 1, type_name(*array->get(i))};
      }
    }
  } else {
    v.kind = Value::Kind::kOther;
  }
  return v;
}

bool is_section(std::string_view s) {
  const auto all = sections();
  return std::find(all.begin(), all.end(), s) != all.end();
}

std::string keys_of(std::string_view section) {
  std::vector<std::string> names;
  for (const auto& k : keys()) {
    if (k.section == section) names.emplace_back(k.name);
  }
  return join(names, ", ");
}

std::string known_sections() {
  std::vector<std::string> names;
  for (const auto s : sections()) names.emplace_back(s);
  return "[" + join(names, "], [") + "]";
}

std::string env_name(const Key& k) { return std::string(kEnvPrefix) + to_upper(k.section) + "_" + to_upper(k.name); }

// One entry of the file: a section, or a key inside a known section.
struct Entry {
  toml::source_position where;
  std::string section;
  std::string name;  // "" for the section itself
  const toml::node* node;
};

// toml++ tables iterate in key order; entries in file order make messages follow the file.
std::vector<Entry> entries_in_file_order(const toml::table& root) {
  std::vector<Entry> entries;
  for (const auto& [section_key, section_node] : root) {
    const std::string section(section_key.str());
    entries.push_back({section_node.source().begin, section, "", &section_node});
    if (!is_section(section) || !section_node.is_table()) continue;
    for (const auto& [key, node] : *section_node.as_table()) {
      entries.push_back({node.source().begin, section, std::string(key.str()), &node});
    }
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::pair(a.where.line, a.where.column) < std::pair(b.where.line, b.where.column);
  });
  return entries;
}

class Loader {
 public:
  void apply_file(const std::string& path) {
    config_.source_path = path;
    auto root = parse_file(path);
    if (!root) return;
    for (const auto& e : entries_in_file_order(*root)) {
      if (e.section == kSourcesTable) {
        apply_sources(*e.node);
        continue;
      }
      if (e.name.empty()) {
        check_section(e);
        continue;
      }
      const Key* key = find_key(e.section, e.name);
      if (!key) {
        errors_.push_back(e.section + "." + e.name + ": unknown key; [" + e.section + "] has: " + keys_of(e.section));
        continue;
      }
      apply(*key, value_of(*e.node), dotted(*key));
    }
  }

  void apply_env(const std::map<std::string, std::string>& env) {
    for (const auto& [name, text] : env) {
      if (!name.starts_with(kEnvPrefix)) continue;
      const std::string_view rest = std::string_view(name).substr(kEnvPrefix.size());
      // A section name may itself hold an underscore (rate_limits): the longest one that prefixes
      // the variable, followed by '_', names the section.
      std::string section;
      for (const auto s : sections()) {
        if (rest.starts_with(to_upper(s) + "_") && s.size() > section.size()) section = s;
      }
      if (rest.starts_with(source_env_prefix())) {
        apply_source_env(name, rest.substr(source_env_prefix().size()), text);
        continue;
      }
      if (section.empty()) continue;  // not ours (e.g. GATEHOUSE_TEST_*)
      const Key* key = nullptr;
      for (const auto& k : keys()) {
        if (env_name(k) == name) key = &k;
      }
      if (!key) {
        std::string unknown = section.size() < rest.size() ? std::string(rest.substr(section.size() + 1)) : std::string();
        for (char& c : unknown) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        errors_.push_back(name + ": unknown key " + section + "." + unknown + "; [" + section + "] has: " + keys_of(section) +
                          " (variables are GATEHOUSE_<SECTION>_<KEY> in upper case)");
        continue;
      }
      apply(*key, Value{.text = text}, dotted(*key) + " (from " + name + ")");
    }
  }

  Result<Config, std::string> finish() && {
    // A cross-key message on top of a broken key would only add noise.
    if (errors_.empty()) errors_ = complete_sources(config_.identity_sources);
    if (errors_.empty()) errors_ = check_across_keys(config_, labels_);
    if (!errors_.empty()) return unexpected(join(errors_, "\n"));
    return std::move(config_);
  }

 private:
  std::optional<toml::table> parse_file(const std::string& path) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (!std::filesystem::exists(status)) return fail_file(path, "does not exist");
    if (std::filesystem::is_directory(status)) return fail_file(path, "is a directory");
    std::ifstream in(path, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    if (!in) return fail_file(path, "cannot be read (check its permissions)");
    try {
      return toml::parse(content.str(), path);
    } catch (const toml::parse_error& e) {
      const auto& where = e.source().begin;
      return fail_file(path, "line " + std::to_string(where.line) + ", column " + std::to_string(where.column) + ": " +
                                 std::string(e.description()));
    }
  }

  std::nullopt_t fail_file(const std::string& path, const std::string& problem) {
    errors_.push_back("config file " + quote(path) + ": " + problem);
    return std::nullopt;
  }

  void check_section(const Entry& e) {
    if (!is_section(e.section)) {
      errors_.push_back(e.node->is_table() ? "[" + e.section + "]: unknown section; known sections are " + known_sections()
                                           : e.section + ": unknown top-level key; every key belongs to a section: " + known_sections());
    } else if (!e.node->is_table()) {
      // Only the type: whatever was written in place of a section could be a pasted secret.
      errors_.push_back(e.section + ": expected a table ([" + e.section + "]), got " + std::string(type_name(*e.node)));
    }
  }

  void apply(const Key& key, Value value, std::string label) {
    auto ok = config::apply(key, config_, value);
    wipe(value.text);  // it may have been a secret
    if (!ok) {
      errors_.push_back(label + ": " + ok.error());
      return;
    }
    labels_[dotted(key)] = std::move(label);
  }

  // [[identity_sources]]: an array of tables, each with its keys and an [identity_sources.attributes] table.
  void apply_sources(const toml::node& node) {
    const auto* array = node.as_array();
    if (!array || !array->is_array_of_tables()) {
      errors_.push_back(std::string(kSourcesTable) + ": expected [[" + std::string(kSourcesTable) + "]] tables, got " +
                        std::string(type_name(node)));
      return;
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
      auto& source = config_.identity_sources.emplace_back();
      const auto label = source_label(i);
      for (const auto& [key, value] : *array->get(i)->as_table()) {
        const std::string name(key.str());
        if (name == kSourceAttributes) {
          apply_source_attributes(source, label, value);
          continue;
        }
        const auto* k = find_source_key(name);
        if (!k) {
          errors_.push_back(label + "." + name + ": unknown key; [[" + std::string(kSourcesTable) + "]] has: " + source_key_names());
          continue;
        }
        auto v = value_of(value);
        if (auto ok = apply_field(k->key, k->field(source), v); !ok) errors_.push_back(label + "." + name + ": " + ok.error());
        wipe(v.text);
      }
    }
  }

  void apply_source_attributes(IdentitySourceConfig& source, const std::string& label, const toml::node& node) {
    const auto* table = node.as_table();
    if (!table) {
      errors_.push_back(label + "." + std::string(kSourceAttributes) + ": expected a table (claim = \"attribute\"), got " +
                        std::string(type_name(node)));
      return;
    }
    for (const auto& [claim, value] : *table) {
      const std::string c(claim.str());
      if (auto ok = apply_source_attribute(source, c, value_of(value)); !ok)
        errors_.push_back(label + "." + std::string(kSourceAttributes) + "." + c + ": " + ok.error());
    }
  }

  // GATEHOUSE_IDENTITY_SOURCES_<NAME>_BIND_PASSWORD: the one key of a source the environment may
  // give (a secret a container gets that way); <NAME> in upper case with '-' as '_'.
  static const std::string& source_env_prefix() {
    static const std::string prefix = to_upper(kSourcesTable) + "_";
    return prefix;
  }
  void apply_source_env(const std::string& variable, std::string_view rest, std::string text) {
    constexpr std::string_view kKey = "_BIND_PASSWORD";
    IdentitySourceConfig* source = nullptr;
    if (rest.ends_with(kKey)) {
      const auto wanted = rest.substr(0, rest.size() - kKey.size());
      for (auto& s : config_.identity_sources) {
        auto upper = to_upper(s.name);
        std::replace(upper.begin(), upper.end(), '-', '_');
        if (upper == wanted) source = &s;
      }
    }
    if (!source) {
      std::vector<std::string> names;
      for (const auto& s : config_.identity_sources) names.push_back(s.name);
      errors_.push_back(variable + ": only GATEHOUSE_IDENTITY_SOURCES_<NAME>_BIND_PASSWORD may be set, for a source of the file (" +
                        (names.empty() ? std::string("it has none") : "it has " + join(names, ", ")) + ")");
      wipe(text);
      return;
    }
    const Key* key = &find_source_key("bind_password")->key;
    if (auto ok = apply_field(*key, &source->bind_password, Value{.text = text}); !ok) errors_.push_back(variable + ": " + ok.error());
    wipe(text);
  }

  Config config_;
  std::vector<std::string> errors_;
  std::map<std::string, std::string> labels_;  // key -> "key" or "key (from GATEHOUSE_...)" of the value in effect
};

}  // namespace

Result<Config, std::string> load(const std::string& path, const std::map<std::string, std::string>& env) {
  Loader loader;
  if (!path.empty()) loader.apply_file(path);
  loader.apply_env(env);
  return std::move(loader).finish();
}

std::map<std::string, std::string> environment_from_process() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    if (!entry.starts_with(kEnvPrefix)) continue;
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    out.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return out;
}

}  // namespace gatehouse::app::config
