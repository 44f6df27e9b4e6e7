#pragma once
// settings::SettingsStore on SQLite (the settings table, shared with the master key check value).

#include "settings/settings_store.hpp"
#include "storage/sqlite/connection_pool.hpp"

namespace gatehouse::storage::sqlite {

class SqliteSettingsStore final : public settings::SettingsStore {
 public:
  explicit SqliteSettingsStore(ConnectionPool& pool) : pool_(pool) {}
  std::optional<std::string> get(const std::string& name) override;
  bool insert_if_absent(const std::string& name, const std::string& value) override;
  void put(const std::string& name, const std::string& value) override;

 private:
  ConnectionPool& pool_;
};

}  // namespace gatehouse::storage::sqlite
