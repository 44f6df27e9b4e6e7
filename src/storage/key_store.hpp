#pragma once
// keys::KeyStore on SQL, declared once for both backends. Each backend defines the member functions
// for its own connection type (explicit specializations) in storage/<backend>/key_store.cpp, in its
// own dialect.

#include "keys/key_store.hpp"
#include "storage/connection_pool.hpp"

namespace gatehouse::storage {

template <class Connection>
class SqlKeyStore final : public keys::KeyStore {
 public:
  explicit SqlKeyStore(ConnectionPool<Connection>& pool) : pool_(pool) {}
  std::vector<keys::StoredKey> list_active() override;
  bool insert_current_if_none(const keys::StoredKey& key) override;
  bool insert_next_if_none(const keys::StoredKey& key) override;
  bool promote_next(const std::string& alg, const std::string& next_kid, UnixSeconds now,
                    UnixSeconds previous_retires_at) override;
  std::size_t retire_previous(UnixSeconds now) override;
  std::optional<std::string> key_check() override;
  std::string set_key_check_if_absent(const std::string& value) override;


 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
