#pragma once
// settings::SettingsStore on SQL, written once for both backends (storage/query.hpp).

#include "settings/settings_store.hpp"
#include "storage/connection_pool.hpp"
#include "storage/query.hpp"

namespace gatehouse::storage {

namespace settings_sql {
inline constexpr Query kSelect{"select_setting", "SELECT value FROM settings WHERE name = $1"};
inline constexpr Query kInsertIfAbsent{"insert_setting_if_absent",
    "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING"};
inline constexpr Query kPut{"put_setting",
    "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value"};
}  // namespace settings_sql

template <class Connection>
class SqlSettingsStore final : public settings::SettingsStore {
 public:
  explicit SqlSettingsStore(ConnectionPool<Connection>& pool) : pool_(pool) {}

  std::optional<std::string> get(const std::string& name) override {
    auto connection = pool_.acquire();
    return first_row(
        *connection, settings_sql::kSelect, [&](auto& p) { p.text(name); },
        [](const auto& row) { return row.blob(0); });
  }

  bool insert_if_absent(const std::string& name, const std::string& value) override {
    auto connection = pool_.acquire();
    return run(*connection, settings_sql::kInsertIfAbsent, [&](auto& p) { p.text(name).bytea(value); }) == 1;
  }

  void put(const std::string& name, const std::string& value) override {
    auto connection = pool_.acquire();
    run(*connection, settings_sql::kPut, [&](auto& p) { p.text(name).bytea(value); });
  }

 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
