#include "client/client_cache.hpp"

#include <mutex>

namespace gatehouse::client {

CachingClientStore::CachingClientStore(ClientStore& inner, const Clock& clock, std::chrono::seconds ttl,
                                       std::size_t capacity)
    : inner_(inner), clock_(clock), ttl_(ttl), capacity_(capacity) {}

std::shared_ptr<const Client> CachingClientStore::peek(const std::string& client_id) const {
  std::shared_lock lock(mutex_);
  auto it = entries_.find(client_id);
  if (it == entries_.end() || clock_.now() - it->second.fetched_at >= ttl_.count()) return nullptr;
  return it->second.client;
}

std::optional<Client> CachingClientStore::find(const std::string& client_id) {
  if (auto cached = peek(client_id)) return *cached;
  std::uint64_t generation;
  {
    std::shared_lock lock(mutex_);
    generation = generation_;
  }
  auto found = inner_.find(client_id);
  if (found) {
    std::unique_lock lock(mutex_);
    // A write since our read may have made `found` stale: then leave the entry out.
    if (generation == generation_) {
      if (entries_.size() >= capacity_) entries_.clear();  // crude bound; refills on demand
      entries_[client_id] = Entry{std::make_shared<const Client>(*found), clock_.now()};
    }
  }
  return found;
}

void CachingClientStore::invalidate(const std::string& client_id) {
  std::unique_lock lock(mutex_);
  ++generation_;
  entries_.erase(client_id);
}

bool CachingClientStore::insert(const Client& client) {
  bool ok = inner_.insert(client);
  invalidate(client.client_id);
  return ok;
}

bool CachingClientStore::update(const Client& client) {
  invalidate(client.client_id);
  bool ok = inner_.update(client);
  invalidate(client.client_id);
  return ok;
}

bool CachingClientStore::remove(const std::string& client_id) {
  invalidate(client_id);
  bool ok = inner_.remove(client_id);
  invalidate(client_id);
  return ok;
}

}  // namespace gatehouse::client
