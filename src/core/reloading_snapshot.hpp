#pragma once
// A value built by a loader (a registry read from the store, say) and rebuilt when it is due: after
// invalidate() (something changed, here or on another node) or after `ttl` (a change nobody
// announced). Callers share one immutable snapshot; when it is due, one of them rebuilds it while
// the others keep serving the old one, so a slow store never queues every lookup behind a reload.
// A failed reload serves the previous snapshot with a warning and is tried again a second later
// (not only after the ttl: the change it missed is still due). Only the first load has no previous
// snapshot to fall back on: it runs under the lock (concurrent first callers wait for it) and its
// failure is the caller's. Thread safe.

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "core/clock.hpp"

namespace gatehouse {

namespace reloading_detail {

/// The message of the exception being handled, for a log line.
inline std::string describe(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown error";
  }
}

}  // namespace reloading_detail

template <class T>
class ReloadingSnapshot {
 public:
  /// Builds a fresh value; may block, and may throw (a store that is down).
  using Build = std::function<T()>;
  /// After a failed reload the previous snapshot is served, and the next attempt waits this long.
  static constexpr UnixSeconds kRetryAfterFailure = 1;

  /// `area` and `name` make the warning a failed reload logs: "<area>: reloading the <name> failed
  /// (<reason>); serving the previous one". Nothing is built before the first current().
  ReloadingSnapshot(Build build, std::chrono::seconds ttl, const Clock& clock, std::string area, std::string name)
      : build_(std::move(build)), ttl_(ttl), clock_(clock), area_(std::move(area)), name_(std::move(name)) {}
  ReloadingSnapshot(const ReloadingSnapshot&) = delete;
  ReloadingSnapshot& operator=(const ReloadingSnapshot&) = delete;

  /// The current snapshot, rebuilt first when it is due and no other thread is rebuilding it. A
  /// failed rebuild answers the previous snapshot (logged, retried after kRetryAfterFailure).
  /// @throws whatever the build function throws, on the first load only (nothing is kept then,
  /// so the next call tries again).
  std::shared_ptr<const T> current() const {
    const auto now = clock_.now();
    std::shared_ptr<const Entry> entry;
    {
      std::lock_guard lock(mutex_);
      if (!entry_) {
        entry_ = load(now);
        return view(entry_);
      }
      entry = entry_;
    }
    if (!entry->due(now, ttl_) || entry->reloading.exchange(true)) return view(entry);
    // This thread reloads outside the lock; the others keep serving `entry` meanwhile. An
    // invalidate() arriving during the load marks `entry` again, and is carried over to the new one.
    entry->invalidated.store(false);
    try {
      std::shared_ptr<const Entry> next = load(now);
      std::lock_guard lock(mutex_);
      if (entry->invalidated.load()) next->invalidated.store(true);
      entry_ = next;
      entry->reloading.store(false);
      return view(next);
    } catch (...) {
      spdlog::warn("{}: reloading the {} failed ({}); serving the previous one", area_, name_,
                   reloading_detail::describe(std::current_exception()));
      entry->invalidated.store(true);  // still due: a missed change must not wait for the ttl
      entry->retry_at.store(now + kRetryAfterFailure);
      entry->reloading.store(false);
      return view(entry);
    }
  }

  /// The next current() rebuilds (without waiting for the ttl). Never builds itself.
  void invalidate() {
    std::lock_guard lock(mutex_);
    if (entry_) entry_->invalidated.store(true);
  }

 private:
  /// One snapshot and the state of its replacement.
  struct Entry {
    Entry(T v, UnixSeconds at) : value(std::move(v)), loaded_at(at) {}
    T value;
    UnixSeconds loaded_at;
    mutable std::atomic<bool> invalidated{false};
    mutable std::atomic<bool> reloading{false};    // one thread reloads; the others serve this one
    mutable std::atomic<UnixSeconds> retry_at{0};  // after a failed reload

    bool due(UnixSeconds now, std::chrono::seconds ttl) const {
      return (invalidated.load() || now - loaded_at >= ttl.count()) && now >= retry_at.load();
    }
  };

  std::shared_ptr<const Entry> load(UnixSeconds now) const { return std::make_shared<const Entry>(build_(), now); }
  /// The value, keeping its whole entry alive.
  static std::shared_ptr<const T> view(const std::shared_ptr<const Entry>& entry) {
    return std::shared_ptr<const T>(entry, &entry->value);
  }

  Build build_;
  std::chrono::seconds ttl_;
  const Clock& clock_;
  std::string area_;
  std::string name_;
  mutable std::shared_ptr<const Entry> entry_;  // guarded by mutex_
  mutable std::mutex mutex_;
};

}  // namespace gatehouse
