#pragma once
// admin::ApiKeyStore on SQL, declared once for both backends. Each backend defines the member
// functions for its own connection type (explicit specializations) in
// storage/<backend>/api_key_store.cpp, in its own dialect.

#include "admin/api_key_store.hpp"
#include "storage/connection_pool.hpp"

namespace gatehouse::storage {

template <class Connection>
class SqlApiKeyStore final : public admin::ApiKeyStore {
 public:
  explicit SqlApiKeyStore(ConnectionPool<Connection>& pool) : pool_(pool) {}
  std::optional<admin::ApiKey> find_by_hash(const std::string& key_hash) override;
  std::vector<admin::ApiKey> list() override;
  bool insert(const admin::ApiKey& key) override;
  bool remove(const std::string& id) override;


 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
