#pragma once
// UnitOfWork: the port through which a domain asks that several store calls commit together or
// not at all (DESIGN.md: no failed request leaves a partial write). The SQL backends implement it
// with one transaction on one connection (storage/connection_pool.hpp); it also saves a commit per
// call joined, which on SQLite's single writer is what bounds the sign-ins per second.
//
// after_commit(): what must happen only once the unit's writes are durable — a message to the
// outside world about them (a single logout request for a session the unit ended) — waits for the
// commit, and is dropped if the unit rolls back.

#include <functional>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

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

namespace detail {
struct CommitActions {
  int open = 0;  // units running on this thread
  std::vector<std::function<void()>> actions;
};
inline thread_local CommitActions commit_actions;
}  // namespace detail

/// Runs `action` once the unit of work running on this thread has committed (after the outermost
/// one, when units nest), or not at all if it rolls back; at once when no unit runs. An action
/// must not throw (one that does is logged and the others still run). The unit is this thread's:
/// work handed to another thread inside a unit runs its actions at once.
inline void after_commit(std::function<void()> action) {
  if (detail::commit_actions.open == 0) {
    action();
    return;
  }
  detail::commit_actions.actions.push_back(std::move(action));
}

/// What a UnitOfWork implementation holds while its unit runs: the after_commit actions are run by
/// committed() once the outermost unit committed, and dropped if the scope ends without it.
class UnitScope {
 public:
  UnitScope() { ++detail::commit_actions.open; }
  ~UnitScope() {
    if (open_ && --detail::commit_actions.open == 0) detail::commit_actions.actions.clear();
  }
  UnitScope(const UnitScope&) = delete;
  UnitScope& operator=(const UnitScope&) = delete;

  /// The unit committed: the actions run if it was the outermost.
  void committed() {
    open_ = false;
    if (--detail::commit_actions.open > 0) return;
    auto actions = std::exchange(detail::commit_actions.actions, {});
    for (auto& action : actions) {
      try {
        action();
      } catch (const std::exception& e) {
        spdlog::error("an action after a commit failed: {}", e.what());
      } catch (...) {
        spdlog::error("an action after a commit failed");
      }
    }
  }

 private:
  bool open_ = true;
};

/// Runs the work as it comes, each store call on its own: for tests and stores without transactions.
/// after_commit actions wait for the work to return, and are dropped if it throws.
class NoUnitOfWork final : public UnitOfWork {
 public:
  void run(const std::function<void()>& work) override {
    UnitScope scope;
    work();
    scope.committed();
  }
};

}  // namespace gatehouse
