#include "client/client_cache.hpp"

#include <mutex>

namespace gatehouse::client {

namespace {

/// Runs a function when the scope ends, also by an exception.
template <class F>
struct OnExit {
  F f;
  ~OnExit() { f(); }
};
template <class F>
OnExit(F) -> OnExit<F>;

}  // namespace

CachingClientStore::CachingClientStore(ClientStore& inner, std::chrono::seconds ttl, std::size_t capacity)
    : inner_(inner), ttl_(ttl), capacity_(capacity) {}

std::shared_ptr<const Client> CachingClientStore::peek(const std::string& client_id) const {
  std::shared_lock lock(mutex_);
  auto it = entries_.find(client_id);
  if (it == entries_.end() || Steady::now() - it->second.fetched_at >= ttl_) return nullptr;
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
    auto entry = std::make_shared<const Client>(*found);
    std::unordered_map<std::string, Entry> evicted;  // destroyed after the lock is released
    std::unique_lock lock(mutex_);
    // A write since our read may have made `found` stale: then leave the entry out.
    if (generation == generation_) {
      if (entries_.size() >= capacity_) evicted.swap(entries_);  // crude bound; refills on demand
      entries_[client_id] = Entry{std::move(entry), Steady::now()};
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
  OnExit after{[&] { invalidate(client.client_id); }};
  return inner_.insert(client);
}

// Invalidate before (no reader keeps using the old entry) and after (a reader that refilled it in
// between is dropped) — the second one even when the write throws, since a store may have
// committed a write whose acknowledgement was lost.
bool CachingClientStore::update(const Client& client) {
  invalidate(client.client_id);
  OnExit after{[&] { invalidate(client.client_id); }};
  return inner_.update(client);
}

bool CachingClientStore::remove(const std::string& client_id) {
  invalidate(client_id);
  OnExit after{[&] { invalidate(client_id); }};
  return inner_.remove(client_id);
}

}  // namespace gatehouse::client
