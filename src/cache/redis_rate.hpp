#pragma once
// Rate-limit windows in Redis, in front of the database's (limits::CounterStore): one INCR per hit
// (with the window's expiry set on its first hit) while Redis answers, the database's counter
// while it does not. As for failed sign-ins, hits counted during an outage stay on the side that
// counted them: a window is at most split in two, never lost.
//
// Thread safety: as RedisClient and the decorated store.

#include <string>

#include "cache/redis_client.hpp"
#include "limits/counter_store.hpp"

namespace gatehouse::cache {

class RedisCounterStore final : public limits::CounterStore {
 public:
  RedisCounterStore(limits::CounterStore& inner, RedisClient& redis) : inner_(inner), redis_(redis) {}
  std::int64_t hit(const std::string& key, UnixSeconds expires_at) override;
  /// Redis's count while it answers, else the database's.
  std::int64_t hits(const std::string& key) override;
  void release(const std::string& key) override;
  /// The database's windows; Redis expires its own.
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override { return inner_.purge_expired(now, limit); }

  static std::string key_of(const std::string& key) { return "gatehouse:rate:" + key; }

 private:
  limits::CounterStore& inner_;
  RedisClient& redis_;
};

}  // namespace gatehouse::cache
