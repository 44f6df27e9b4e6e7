#pragma once
// settings::SettingsStore on SQL, declared once for both backends. Each backend defines the member
// functions for its own connection type (explicit specializations) in
// storage/<backend>/settings_store.cpp, in its own dialect.

#include "settings/settings_store.hpp"
#include "storage/connection_pool.hpp"

namespace gatehouse::storage {

template <class Connection>
class SqlSettingsStore final : public settings::SettingsStore {
 public:
  explicit SqlSettingsStore(ConnectionPool<Connection>& pool) : pool_(pool) {}
  std::optional<std::string> get(const std::string& name) override;
  bool insert_if_absent(const std::string& name, const std::string& value) override;
  void put(const std::string& name, const std::string& value) override;


 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
