#pragma once
// A near-cache in front of a ClientStore (DESIGN.md: a node-local cache is only a near-cache that
// every change invalidates). Writes through this decorator invalidate the entry at once; the
// cluster release also invalidates entries from cluster events. Entries expire after `ttl`
// (monotonic time, so a clock step cannot stretch it), which bounds how long a change made
// outside this process (another process on the same SQLite file, a manual SQL statement) takes
// to be seen. A read that raced with a write never re-inserts the old value (generation check).
// Negative results are not cached, so a client created elsewhere is seen on its first use.
// Read-modify-write code (the admin API) must read from the store itself, not through here.

#include <chrono>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "client/client_store.hpp"

namespace gatehouse::client {

class CachingClientStore final : public ClientStore {
 public:
  CachingClientStore(ClientStore& inner, std::chrono::seconds ttl, std::size_t capacity = 10000);

  std::optional<Client> find(const std::string& client_id) override;
  ClientPage list(std::size_t offset, std::size_t limit) override { return inner_.list(offset, limit); }
  bool insert(const Client& client) override;
  bool update(const Client& client) override;
  bool remove(const std::string& client_id) override;

  /// Non-blocking: the cached client if present and fresh, else nullptr. Never touches the store,
  /// so it is safe on an I/O thread. Thread safe.
  std::shared_ptr<const Client> peek(const std::string& client_id) const;
  /// Drops one entry (a change made elsewhere). Thread safe.
  void invalidate(const std::string& client_id);

 private:
  using Steady = std::chrono::steady_clock;
  struct Entry {
    std::shared_ptr<const Client> client;
    Steady::time_point fetched_at;
  };

  ClientStore& inner_;
  std::chrono::seconds ttl_;
  std::size_t capacity_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::uint64_t generation_ = 0;  // bumped by every invalidation, under mutex_
};

}  // namespace gatehouse::client
