#include "storage/sqlite/connection_pool.hpp"

#include <algorithm>
#include <utility>

#include "core/error.hpp"

namespace gatehouse::storage::sqlite {

ConnectionPool::Lease::~Lease() {
  if (connection_) pool_.release(std::move(connection_));
}

ConnectionPool::ConnectionPool(Opener open, std::size_t size, std::chrono::milliseconds wait,
                               std::string label)
    : open_(std::move(open)), size_(std::max<std::size_t>(size, 1)), wait_(wait), label_(std::move(label)) {
  idle_.reserve(size_);
}

ConnectionPool::~ConnectionPool() = default;

ConnectionPool::Lease ConnectionPool::acquire() {
  std::unique_lock lock(mutex_);
  const bool ready = available_.wait_for(lock, wait_, [&] { return !idle_.empty() || opened_ < size_; });
  if (!ready) {
    throw StorageError("sqlite '" + label_ + "': no free connection within " +
                       std::to_string(wait_.count()) + " ms (pool of " + std::to_string(size_) + ")");
  }
  if (!idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(connection));
  }
  ++opened_;  // reserve the slot, then open without holding the lock
  lock.unlock();
  try {
    return Lease(*this, open_());
  } catch (...) {
    lock.lock();
    --opened_;
    lock.unlock();
    available_.notify_one();
    throw;
  }
}

void ConnectionPool::warm_up() { Lease lease = acquire(); }

void ConnectionPool::release(std::unique_ptr<Connection> connection) noexcept {
  // A store that threw inside a transaction has already rolled back (Transaction's destructor);
  // this is the last line of defence so a lease never hands out a connection mid-transaction.
  connection->rollback_quietly();
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(connection));
  }
  available_.notify_one();
}

}  // namespace gatehouse::storage::sqlite
