#include "cache/redis_replay.hpp"

#include <algorithm>

namespace gatehouse::cache {

bool RedisReplayStore::first_use(const std::string& key, UnixSeconds expires_at, UnixSeconds now) {
  // A relative expiry, from the caller's clock: the nodes' and Redis's clocks need not agree.
  const auto seconds = std::to_string(std::max<UnixSeconds>(expires_at - now, 0) + 1);
  const auto redis_key = key_of(key);
  const auto reply = redis_.command({"SET", redis_key, "1", "NX", "EX", seconds});
  if (reply && reply->type == RedisReply::Type::kNil) return false;  // Redis has seen it: a replay
  // New to Redis, or Redis is away: only the database knows every use (Redis may have lost keys).
  try {
    return inner_.first_use(key, expires_at, now);
  } catch (...) {
    // Not decided: let a retry reach the database rather than be refused by our own SET.
    if (reply) (void)redis_.command({"DEL", redis_key});
    throw;
  }
}

}  // namespace gatehouse::cache
