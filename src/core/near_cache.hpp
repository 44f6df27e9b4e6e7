#pragma once
// A node-local near-cache (DESIGN.md: a local cache is only a near-cache that every change
// invalidates). Entries expire after `ttl` (monotonic time, so a clock step cannot stretch it),
// which bounds how long a change nobody announced takes to be seen. A load that raced with an
// invalidation never stores what it read (generation check). Absent values are not cached, so a
// row created elsewhere is seen on its first use. Thread safe.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

namespace gatehouse {

template <class Value>
class NearCache {
 public:
  NearCache(std::chrono::seconds ttl, std::size_t capacity) : ttl_(ttl), capacity_(capacity) {}

  /// The cached value if present and fresh, else nullptr. Never loads, so it never blocks on I/O.
  std::shared_ptr<const Value> peek(const std::string& key) const {
    std::shared_lock lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end() || Steady::now() - it->second.fetched_at >= ttl_) return nullptr;
    return it->second.value;
  }

  /// The cached value, or `load()` (an std::optional<Value>) kept for next time.
  template <class Load>
  std::optional<Value> get(const std::string& key, Load&& load) {
    if (auto cached = peek(key)) return *cached;
    std::uint64_t generation;
    {
      std::shared_lock lock(mutex_);
      generation = generation_;
    }
    std::optional<Value> found = load();
    if (found) {
      auto entry = std::make_shared<const Value>(*found);
      std::unordered_map<std::string, Entry> evicted;  // destroyed after the lock is released
      std::unique_lock lock(mutex_);
      if (generation == generation_) {  // no invalidation since the load: `found` is current
        if (entries_.size() >= capacity_) evicted.swap(entries_);  // crude bound; refills on demand
        entries_[key] = Entry{std::move(entry), Steady::now()};
      }
    }
    return found;
  }

  void invalidate(const std::string& key) {
    std::unique_lock lock(mutex_);
    ++generation_;
    entries_.erase(key);
  }
  /// Drops every entry (the changes it may have missed are unknown).
  void clear() {
    std::unordered_map<std::string, Entry> dropped;  // destroyed after the lock is released
    std::unique_lock lock(mutex_);
    ++generation_;
    dropped.swap(entries_);
  }

 private:
  using Steady = std::chrono::steady_clock;
  struct Entry {
    std::shared_ptr<const Value> value;
    Steady::time_point fetched_at;
  };

  std::chrono::seconds ttl_;
  std::size_t capacity_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::uint64_t generation_ = 0;  // bumped by every invalidation, under mutex_
};

/// Runs a function when the scope ends, also by an exception.
template <class F>
struct OnScopeExit {
  F f;
  ~OnScopeExit() { f(); }
};
template <class F>
OnScopeExit(F) -> OnScopeExit<F>;

}  // namespace gatehouse
