#include "storage/settings_store.hpp"
#include "storage/sqlite/connection.hpp"

namespace gatehouse::storage {
using namespace sqlite;  // this file is the SQLite side of SqlSettingsStore
namespace {

constexpr Query kSelectSetting{"select_setting", "SELECT value FROM settings WHERE name = ?1"};
constexpr Query kInsertSettingIfAbsent{"insert_setting_if_absent",
    "INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING"};

constexpr Query kPutSetting{"put_setting",
    "INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = excluded.value"};

}  // namespace

template <>
std::optional<std::string> SqlSettingsStore<sqlite::Connection>::get(const std::string& name) {
  auto connection = pool_.acquire();
  Statement s(*connection, kSelectSetting);
  s.bind_text(1, name);
  if (!s.step()) return std::nullopt;
  return s.blob(0);
}

template <>
bool SqlSettingsStore<sqlite::Connection>::insert_if_absent(const std::string& name, const std::string& value) {
  auto connection = pool_.acquire();
  Statement s(*connection, kInsertSettingIfAbsent);
  s.bind_text(1, name).bind_blob(2, value).run();
  return connection->changes() == 1;
}

template <>
void SqlSettingsStore<sqlite::Connection>::put(const std::string& name, const std::string& value) {
  auto connection = pool_.acquire();
  Statement s(*connection, kPutSetting);
  s.bind_text(1, name).bind_blob(2, value).run();
}

}  // namespace gatehouse::storage
