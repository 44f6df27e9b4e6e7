#pragma once
// client::ClientStore on SQL, declared once for both backends. Each backend defines the member
// functions for its own connection type (explicit specializations) in
// storage/<backend>/client_store.cpp, in its own dialect.

#include "client/client_store.hpp"
#include "storage/connection_pool.hpp"

namespace gatehouse::storage {

template <class Connection>
class SqlClientStore final : public client::ClientStore {
 public:
  explicit SqlClientStore(ConnectionPool<Connection>& pool) : pool_(pool) {}
  std::optional<client::Client> find(const std::string& client_id) override;
  client::ClientPage list(std::size_t offset, std::size_t limit) override;
  bool insert(const client::Client& client) override;
  client::UpdateResult update(const client::Client& client) override;
  bool remove(const std::string& client_id) override;


 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
