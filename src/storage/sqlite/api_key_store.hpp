#pragma once
// admin::ApiKeyStore and admin::AuditStore on SQLite.

#include "admin/api_key_store.hpp"
#include "admin/audit_store.hpp"
#include "storage/sqlite/connection_pool.hpp"

namespace gatehouse::storage::sqlite {

class SqliteApiKeyStore final : public admin::ApiKeyStore {
 public:
  explicit SqliteApiKeyStore(ConnectionPool& pool) : pool_(pool) {}
  std::optional<admin::ApiKey> find_by_hash(const std::string& key_hash) override;
  std::vector<admin::ApiKey> list() override;
  bool insert(const admin::ApiKey& key) override;
  bool remove(const std::string& id) override;

 private:
  ConnectionPool& pool_;
};

class SqliteAuditStore final : public admin::AuditStore {
 public:
  explicit SqliteAuditStore(ConnectionPool& pool) : pool_(pool) {}
  std::int64_t append(const admin::AuditEvent& event) override;
  std::vector<admin::AuditEvent> list(const admin::AuditFilter& filter, std::size_t limit) override;
  std::size_t purge_before(UnixMillis before, std::size_t limit) override;

 private:
  ConnectionPool& pool_;
};

}  // namespace gatehouse::storage::sqlite
