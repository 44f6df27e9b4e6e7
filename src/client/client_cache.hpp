#pragma once
// A near-cache (core/near_cache.hpp) in front of a ClientStore. Writes through this decorator
// invalidate the entry at once; changes made elsewhere (another node, another process, a manual
// SQL statement) arrive as cluster events that call invalidate(), and the TTL bounds staleness if
// an event is ever missed. Read-modify-write code (the admin API) must read from the store
// itself, not through here.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "client/client_store.hpp"
#include "core/near_cache.hpp"

namespace gatehouse::client {

class CachingClientStore final : public ClientStore {
 public:
  CachingClientStore(ClientStore& inner, std::chrono::seconds ttl, std::size_t capacity = 10000);

  std::optional<Client> find(const std::string& client_id) override;
  ClientPage list(std::size_t offset, std::size_t limit) override { return inner_.list(offset, limit); }
  bool insert(const Client& client) override;
  UpdateResult update(const Client& client) override;
  bool remove(const std::string& client_id) override;

  /// Non-blocking: the cached client if present and fresh, else nullptr. Never touches the store,
  /// so it is safe on an I/O thread. Thread safe.
  std::shared_ptr<const Client> peek(const std::string& client_id) const;
  /// Drops one entry (a change made elsewhere). Thread safe.
  void invalidate(const std::string& client_id);
  /// Drops every entry. Thread safe.
  void clear() { cache_.clear(); }
  /// Called after every write through this store (e.g. to tell the other nodes at once). Set it
  /// before the store is shared between threads; it must not throw.
  void set_after_write(std::function<void()> f) { after_write_ = std::move(f); }

 private:
  ClientStore& inner_;
  NearCache<Client> cache_;
  std::function<void()> after_write_;
};

}  // namespace gatehouse::client
