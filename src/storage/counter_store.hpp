#pragma once
// limits::CounterStore on SQL, declared once for both backends. Each backend defines the member
// functions for its own connection type (explicit specializations) in
// storage/<backend>/counter_store.cpp, in its own dialect.

#include "limits/counter_store.hpp"
#include "storage/connection_pool.hpp"

namespace gatehouse::storage {

template <class Connection>
class SqlCounterStore final : public limits::CounterStore {
 public:
  explicit SqlCounterStore(ConnectionPool<Connection>& pool) : pool_(pool) {}
  std::int64_t hit(const std::string& key, UnixSeconds expires_at) override;
  std::int64_t hits(const std::string& key) override;
  void release(const std::string& key) override;
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override;


 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
