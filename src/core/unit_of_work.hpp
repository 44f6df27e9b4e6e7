#pragma once
// UnitOfWork: the port through which a domain asks that several store calls commit together or
// not at all (DESIGN.md: no failed request leaves a partial write). The SQL backends implement it
// with one transaction on one connection (storage/connection_pool.hpp); it also saves a commit per
// call joined, which on SQLite's single writer is what bounds the sign-ins per second.

#include <functional>

namespace gatehouse {

class UnitOfWork {
 public:
  virtual ~UnitOfWork() = default;
  /// Runs `work` on this thread. The database store calls it makes on this thread use one
  /// connection in one transaction, committed when `work` returns and rolled back if it throws
  /// (the exception goes on). A unit run inside another joins the outer one. Stores outside the
  /// database (Redis, memory) are not part of it, and nothing that waits for another thread's
  /// store call may run inside (on SQLite that thread would wait for this unit's write lock).
  /// Keep the work short: on SQLite the unit holds the database's write lock until it ends.
  virtual void run(const std::function<void()>& work) = 0;
};

/// Runs the work as it comes, each store call on its own: for tests and stores without transactions.
class NoUnitOfWork final : public UnitOfWork {
 public:
  void run(const std::function<void()>& work) override { work(); }
};

}  // namespace gatehouse
