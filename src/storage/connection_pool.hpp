#pragma once
// A bounded pool of database connections, one template for both backends (DESIGN: overload turns
// into queueing, then errors, never into unbounded resources). Connections are opened lazily up to
// `size` and kept, so their prepared statements stay warm. Internal to storage/.
//
// Header-only on purpose: acquire() and the lease's release run on every request, and inlined
// into each backend they cost what the two hand-written pools did (no virtual call, no allocation).
// What differs between backends is asked of the Connection type, inline:
//   bool usable_when_idle() noexcept  before an idle connection is handed out (PostgreSQL: false if
//                                     the server ended it meanwhile; SQLite: always true, a file
//                                     cannot go away under an open handle);
//   bool reset_for_reuse() noexcept   when a lease ends: roll back a transaction left open; false
//                                     means discard the connection (a later acquire opens another);
//   void begin_unit(), commit_unit()  run_unit's transaction (SQLite: BEGIN IMMEDIATE), during
//                                     which the connection's own Transactions are savepoints.
// purge_batch() asks the backend, by a free function found with the connection's namespace, for
//   std::size_t run_purge(Connection&, const Query&, std::int64_t before, std::int64_t limit).
//
// Opening after a failed open waits out a backoff (50 ms, doubling up to 250 ms): meanwhile acquire()
// fails at once (the caller answers 503) instead of every request trying, and waiting out a
// connect timeout, against a server that is down; then one caller at a time tries again, and
// the first success ends the backoff. A server back (or a standby promoted) is used again
// within the backoff's last step.
//
// Units of work (core/unit_of_work.hpp): run_unit() pins one connection, in a transaction, to the
// calling thread; every acquire() of that pool on that thread meanwhile borrows it, so the stores
// join the transaction without knowing of it.
//
// Thread safety: acquire(), run_unit() and Lease are safe from any number of threads; a Lease stays
// on the thread that acquired it.

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/unit_of_work.hpp"
#include "storage/sql_count.hpp"

namespace gatehouse::storage {

template <class Connection>
class ConnectionPool {
 public:
  using Opener = std::function<std::unique_ptr<Connection>()>;

  /// Exclusive use of one connection; gives it back (rolled back to idle, or discarded if it
  /// cannot be reused) when destroyed.
  class Lease {
   public:
    Lease(Lease&& other) noexcept : pool_(other.pool_), connection_(other.connection_), owned_(std::move(other.owned_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (owned_) pool_.release(std::move(owned_));
    }
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_; }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool& pool, std::unique_ptr<Connection> connection)
        : pool_(pool), connection_(connection.get()), owned_(std::move(connection)) {}
    /// The connection of the unit this thread runs: used, not given back.
    Lease(ConnectionPool& pool, Connection& borrowed) : pool_(pool), connection_(&borrowed) {}
    ConnectionPool& pool_;
    Connection* connection_;
    std::unique_ptr<Connection> owned_;  // empty when borrowed
  };

  /// @param size at most this many connections (at least 1). @param wait how long acquire() waits
  /// for a free connection. @param label names the database in error messages (never a password).
  ConnectionPool(Opener open, std::size_t size, std::chrono::milliseconds wait, std::string label)
      : open_(std::move(open)), size_(std::max<std::size_t>(size, 1)), wait_(wait), label_(std::move(label)) {
    idle_.reserve(size_);
  }
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  /// @throws StorageError if no connection is free within `wait`, or opening a new one fails.
  Lease acquire();
  /// Opens one connection now (so start-up fails fast on a bad path) and keeps it idle.
  void warm_up() { Lease lease = acquire(); }
  /// How long acquire() waits.
  std::chrono::milliseconds wait() const { return wait_; }
  /// Runs `work` as UnitOfWork::run says: on one connection, in one transaction. Joins the unit
  /// this thread already runs on this pool, if any.
  void run_unit(const std::function<void()>& work);

 private:
  struct Pin {
    const ConnectionPool* pool = nullptr;
    Connection* connection = nullptr;
  };
  static inline thread_local Pin pin_{};  // the unit this thread runs, if any

  void release(std::unique_ptr<Connection> connection) noexcept;

  Opener open_;
  const std::size_t size_;
  const std::chrono::milliseconds wait_;
  const std::string label_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mutex_; LIFO keeps caches hot
  std::size_t opened_ = 0;                          // guarded by mutex_; includes ones being opened
  // The open backoff, guarded by mutex_: opens that failed in a row, when the next may be tried,
  // and whether one is being tried now.
  unsigned failed_opens_ = 0;
  std::chrono::steady_clock::time_point retry_at_{};
  bool probing_ = false;
};

template <class Connection>
typename ConnectionPool<Connection>::Lease ConnectionPool<Connection>::acquire() {
  if (pin_.pool == this) return Lease(*this, *pin_.connection);
  std::vector<std::unique_ptr<Connection>> stale;  // closed after the lock is released; empty: no allocation
  std::unique_lock lock(mutex_);
  const bool ready = available_.wait_for(lock, wait_, [&] { return !idle_.empty() || opened_ < size_; });
  if (!ready) {
    throw StorageError(label_ + ": no free connection within " + std::to_string(wait_.count()) + " ms (pool of " +
                       std::to_string(size_) + ")");
  }
  while (!idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    if (connection->usable_when_idle()) return Lease(*this, std::move(connection));
    --opened_;
    stale.push_back(std::move(connection));
  }
  bool probe = false;  // this caller is the one trying after a backoff
  if (failed_opens_ > 0) {
    const auto now = std::chrono::steady_clock::now();
    if (probing_ || now < retry_at_) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(std::max(retry_at_ - now, std::chrono::steady_clock::duration::zero()));
      throw StorageError(label_ + ": unreachable (" + std::to_string(failed_opens_) +
                         " attempts to connect failed in a row; the next in " + std::to_string(left.count()) + " ms)");
    }
    probing_ = probe = true;
  }
  ++opened_;  // reserve the slot, then open without holding the lock
  lock.unlock();
  stale.clear();
  try {
    auto opened = open_();
    lock.lock();
    failed_opens_ = 0;
    if (probe) probing_ = false;
    lock.unlock();
    return Lease(*this, std::move(opened));
  } catch (...) {
    lock.lock();
    --opened_;
    ++failed_opens_;
    if (probe) probing_ = false;
    // 50, 100, 200, 250 ms: a handful of attempts per second and node costs the server nothing,
    // and a promoted standby is in use within a quarter of a second.
    const auto backoff = std::chrono::milliseconds(std::min(50 << std::min(failed_opens_ - 1, 3u), 250));
    retry_at_ = std::chrono::steady_clock::now() + backoff;
    lock.unlock();
    available_.notify_one();
    throw;
  }
}

template <class Connection>
void ConnectionPool<Connection>::release(std::unique_ptr<Connection> connection) noexcept {
  // A store that threw inside a transaction has normally rolled back already (Transaction's
  // destructor); this is the last line of defence so a lease never hands out a connection
  // mid-transaction.
  const bool reusable = connection->reset_for_reuse();
  {
    std::lock_guard lock(mutex_);
    if (reusable) {
      idle_.push_back(std::move(connection));
    } else {
      --opened_;
    }
  }
  available_.notify_one();
  // A discarded connection is closed here, outside the lock.
}

template <class Connection>
void ConnectionPool<Connection>::run_unit(const std::function<void()>& work) {
  if (pin_.pool == this) {
    work();
    return;
  }
  UnitScope scope;  // a rolled-back unit's after_commit actions are dropped with it
  {
    Lease lease = acquire();
    lease->begin_unit();
    const Pin outer = pin_;  // a unit on another pool (none today) is left as it was
    pin_ = {this, &*lease};
    try {
      work();
    } catch (...) {
      pin_ = outer;
      throw;  // the lease's end rolls the transaction back (reset_for_reuse)
    }
    pin_ = outer;
    lease->commit_unit();
  }  // the connection goes back before the actions run (they may use the store)
  scope.committed();
}

/// UnitOfWork over a pool (SqlBackend::units()).
template <class Connection>
class PoolUnitOfWork final : public UnitOfWork {
 public:
  explicit PoolUnitOfWork(ConnectionPool<Connection>& pool) : pool_(pool) {}
  void run(const std::function<void()>& work) override { pool_.run_unit(work); }

 private:
  ConnectionPool<Connection>& pool_;
};

/// A bounded purge (STYLE C11) on either backend: `query` deletes at most its second parameter's
/// number of rows older than its first, oldest first, and the answer is how many it deleted; 0
/// without taking a connection when `limit` is 0.
template <class Connection, class Query>
std::size_t purge_batch(ConnectionPool<Connection>& pool, const Query& query, std::int64_t before, std::size_t limit) {
  if (limit == 0) return 0;
  auto connection = pool.acquire();
  return run_purge(*connection, query, before, to_sql_count(limit));
}

}  // namespace gatehouse::storage
