#pragma once
// admin::AuditStore on SQL, declared once for both backends. Each backend defines the member
// functions for its own connection type (explicit specializations) in
// storage/<backend>/audit_store.cpp, in its own dialect.

#include "admin/audit_store.hpp"
#include "storage/connection_pool.hpp"

namespace gatehouse::storage {

template <class Connection>
class SqlAuditStore final : public admin::AuditStore {
 public:
  explicit SqlAuditStore(ConnectionPool<Connection>& pool) : pool_(pool) {}
  std::int64_t append(const admin::AuditEvent& event) override;
  std::vector<admin::AuditEvent> list(const admin::AuditFilter& filter, std::size_t limit) override;
  std::size_t purge_before(UnixMillis before, std::size_t limit) override;


 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
