#pragma once
// A bounded pool of PostgreSQL connections (DESIGN: overload turns into queueing, then errors,
// never into unbounded resources). Connections are opened lazily up to `size` and kept, so their
// prepared statements stay warm. A connection that broke (the server restarted, an administrator
// ended it, the network dropped it) is discarded and a new one is opened on a later acquire, so
// the node heals without a restart. Internal to storage/postgres.
//
// Thread safety: acquire() and Lease are safe from any number of threads.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/postgres/connection.hpp"

namespace gatehouse::storage::postgres {

class ConnectionPool {
 public:
  using Opener = std::function<std::unique_ptr<Connection>()>;

  /// Exclusive use of one connection; gives it back (rolled back to idle, or discarded if it
  /// cannot be reused) when destroyed.
  class Lease {
   public:
    Lease(Lease&& other) noexcept : pool_(other.pool_), connection_(std::move(other.connection_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool& pool, std::unique_ptr<Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    ConnectionPool& pool_;
    std::unique_ptr<Connection> connection_;
  };

  /// @param size at most this many connections (at least 1). @param wait how long acquire() waits
  /// for a free connection. @param label names the server in error messages.
  ConnectionPool(Opener open, std::size_t size, std::chrono::milliseconds wait, std::string label);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  /// @throws StorageError if no connection is free within `wait`, or opening a new one fails.
  Lease acquire();
  /// How long acquire() waits.
  std::chrono::milliseconds wait() const { return wait_; }

 private:
  void release(std::unique_ptr<Connection> connection) noexcept;

  Opener open_;
  const std::size_t size_;
  const std::chrono::milliseconds wait_;
  const std::string label_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mutex_; LIFO keeps caches hot
  std::size_t opened_ = 0;                          // guarded by mutex_; includes ones being opened
};

}  // namespace gatehouse::storage::postgres
