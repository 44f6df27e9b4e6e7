#include "storage/postgres/connection_pool.hpp"

#include <algorithm>
#include <utility>

#include "core/error.hpp"

namespace gatehouse::storage::postgres {

ConnectionPool::Lease::~Lease() {
  if (connection_) pool_.release(std::move(connection_));
}

ConnectionPool::ConnectionPool(Opener open, std::size_t size, std::chrono::milliseconds wait, std::string label)
    : open_(std::move(open)), size_(std::max<std::size_t>(size, 1)), wait_(wait), label_(std::move(label)) {
  idle_.reserve(size_);
}

ConnectionPool::Lease ConnectionPool::acquire() {
  std::vector<std::unique_ptr<Connection>> stale;  // closed after the lock is released
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
  ++opened_;  // reserve the slot, then open without holding the lock
  lock.unlock();
  stale.clear();
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

void ConnectionPool::release(std::unique_ptr<Connection> connection) noexcept {
  // A store that threw inside a transaction leaves it open (or aborted); reset_for_reuse() rolls
  // it back, so a lease never hands out a connection mid-transaction.
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

}  // namespace gatehouse::storage::postgres
