#pragma once
// Used client assertions in Redis, in front of a token::ReplayStore (the database), which stays
// the authority: Redis may only answer "seen" sooner.
//
// - Redis says the key is new (SET NX EX succeeded): the database's atomic first_use() decides,
//   so a key Redis lost (eviction, a restart without persistence, FLUSHDB) is still refused.
// - Redis says the key is known: refused at once, without a database round trip (a replay).
// - Redis unreachable: the database decides alone, at once.
//
// Cost: an accepted assertion takes one Redis and one database round trip (what it takes without
// Redis, plus the SET); a replay takes the Redis round trip only.
//
// Thread safety: every method may be called from any number of threads.

#include <chrono>
#include <string>

#include "cache/redis_client.hpp"
#include "token/replay_store.hpp"

namespace gatehouse::cache {

class RedisReplayStore final : public token::ReplayStore {
 public:
  RedisReplayStore(token::ReplayStore& inner, RedisClient& redis) : inner_(inner), redis_(redis) {}

  /// @throws StorageError when the database fails (the key is then taken back out of Redis, so a
  /// retry of the same assertion is decided by the database again).
  bool first_use(const std::string& key, UnixSeconds expires_at, UnixSeconds now) override;
  /// The database's entries; Redis expires its own keys.
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override { return inner_.purge_expired(now, limit); }

  static std::string key_of(const std::string& key) { return "gatehouse:assertion:" + key; }

 private:
  token::ReplayStore& inner_;
  RedisClient& redis_;
};

}  // namespace gatehouse::cache
