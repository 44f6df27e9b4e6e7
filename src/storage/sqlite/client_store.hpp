#pragma once
// client::ClientStore on SQLite.

#include "client/client_store.hpp"
#include "storage/sqlite/connection_pool.hpp"

namespace gatehouse::storage::sqlite {

class SqliteClientStore final : public client::ClientStore {
 public:
  explicit SqliteClientStore(ConnectionPool& pool) : pool_(pool) {}
  std::optional<client::Client> find(const std::string& client_id) override;
  client::ClientPage list(std::size_t offset, std::size_t limit) override;
  bool insert(const client::Client& client) override;
  client::UpdateResult update(const client::Client& client) override;
  bool remove(const std::string& client_id) override;

 private:
  ConnectionPool& pool_;
};

}  // namespace gatehouse::storage::sqlite
