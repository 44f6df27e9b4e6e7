#include "client/client_cache.hpp"

namespace gatehouse::client {

CachingClientStore::CachingClientStore(ClientStore& inner, std::chrono::seconds ttl, std::size_t capacity)
    : inner_(inner), cache_(ttl, capacity) {}

std::shared_ptr<const Client> CachingClientStore::peek(const std::string& client_id) const { return cache_.peek(client_id); }

std::optional<Client> CachingClientStore::find(const std::string& client_id) {
  return cache_.get(client_id, [&] { return inner_.find(client_id); });
}

void CachingClientStore::invalidate(const std::string& client_id) { cache_.invalidate(client_id); }

bool CachingClientStore::insert(const Client& client) {
  OnScopeExit after{[&] {
    invalidate(client.client_id);
    if (after_write_) after_write_();
  }};
  return inner_.insert(client);
}

// Invalidate before (no reader keeps using the old entry) and after (a reader that refilled it in
// between is dropped) — the second one even when the write throws, since a store may have
// committed a write whose acknowledgement was lost.
UpdateResult CachingClientStore::update(const Client& client) {
  invalidate(client.client_id);
  OnScopeExit after{[&] {
    invalidate(client.client_id);
    if (after_write_) after_write_();
  }};
  return inner_.update(client);
}

bool CachingClientStore::remove(const std::string& client_id) {
  invalidate(client_id);
  OnScopeExit after{[&] {
    invalidate(client_id);
    if (after_write_) after_write_();
  }};
  return inner_.remove(client_id);
}

}  // namespace gatehouse::client
