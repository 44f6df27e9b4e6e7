// settings::SettingsStore on PostgreSQL.
#include "storage/settings_store.hpp"

#include "storage/postgres/connection.hpp"

namespace gatehouse::storage {
using namespace postgres;  // this file is the PostgreSQL side of SqlSettingsStore
namespace {

constexpr Query kSelectSetting{"select_setting", "SELECT value FROM settings WHERE name = $1"};
constexpr Query kInsertSettingIfAbsent{"insert_setting_if_absent",
    "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING"};

constexpr Query kPutSetting{"put_setting",
    "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value"};

std::optional<std::string> select_setting(Connection& connection, std::string_view name) {
  const auto result = connection.execute(kSelectSetting, Params().text(name));
  if (result.empty()) return std::nullopt;
  return result.row(0).text(0);
}

}  // namespace

template <>
std::optional<std::string> SqlSettingsStore<postgres::Connection>::get(const std::string& name) {
  auto connection = pool_.acquire();
  return select_setting(*connection, name);
}

template <>
void SqlSettingsStore<postgres::Connection>::put(const std::string& name, const std::string& value) {
  auto connection = pool_.acquire();
  connection->execute(kPutSetting, Params().text(name).bytea(value));
}

template <>
bool SqlSettingsStore<postgres::Connection>::insert_if_absent(const std::string& name, const std::string& value) {
  auto connection = pool_.acquire();
  return connection->execute(kInsertSettingIfAbsent, Params().text(name).bytea(value)).affected() == 1;
}

}  // namespace gatehouse::storage
