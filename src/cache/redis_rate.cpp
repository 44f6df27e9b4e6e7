#include "cache/redis_rate.hpp"

namespace gatehouse::cache {
namespace {

// KEYS[1] the window; ARGV[1] when it ends (Unix seconds). Atomic on the server.
constexpr std::string_view kHit = R"lua(
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIREAT', KEYS[1], ARGV[1]) end
return n
)lua";

}  // namespace

std::int64_t RedisCounterStore::hit(const std::string& key, UnixSeconds expires_at) {
  const auto at = std::to_string(expires_at + 1);
  if (auto reply = redis_.command({"EVAL", kHit, "1", key_of(key), at}); reply && reply->type == RedisReply::Type::kInteger)
    return reply->integer;
  return inner_.hit(key, expires_at);
}

}  // namespace gatehouse::cache
