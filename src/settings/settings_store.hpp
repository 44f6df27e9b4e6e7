#pragma once
// Port: named values the whole installation shares (in a cluster, identical on every node), such
// as which kickstart entries were applied. Values are opaque byte strings.

#include <optional>
#include <string>

namespace gatehouse::settings {

class SettingsStore {
 public:
  virtual ~SettingsStore() = default;
  virtual std::optional<std::string> get(const std::string& name) = 0;
  /// Stores the value only if the name is not set yet, atomically. @returns true if this call stored it.
  virtual bool insert_if_absent(const std::string& name, const std::string& value) = 0;
  /// Stores the value, replacing any earlier one (a cluster event tells the other nodes).
  virtual void put(const std::string& name, const std::string& value) = 0;
};

}  // namespace gatehouse::settings
