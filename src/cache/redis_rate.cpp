#include "cache/redis_rate.hpp"

#include <charconv>

namespace gatehouse::cache {
namespace {

// KEYS[1] the window; ARGV[1] when it ends (Unix seconds). Atomic on the server.
constexpr std::string_view kHit = R"lua(
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIREAT', KEYS[1], ARGV[1]) end
return n
)lua";

// KEYS[1] the window: one less, never below 0, and only while the window exists (DECR on a
// missing key would create one without an expiry).
constexpr std::string_view kRelease = R"lua(
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then return redis.call('DECR', KEYS[1]) end
return 0
)lua";

}  // namespace

std::int64_t RedisCounterStore::hit(const std::string& key, UnixSeconds expires_at) {
  const auto at = std::to_string(expires_at + 1);
  if (auto reply = redis_.command({"EVAL", kHit, "1", key_of(key), at}); reply && reply->type == RedisReply::Type::kInteger)
    return reply->integer;
  return inner_.hit(key, expires_at);
}

std::int64_t RedisCounterStore::hits(const std::string& key) {
  if (auto reply = redis_.command({"GET", key_of(key)})) {
    if (reply->type == RedisReply::Type::kNil) return 0;
    if (reply->type == RedisReply::Type::kString) {
      std::int64_t n = 0;
      const auto& s = reply->str;
      if (std::from_chars(s.data(), s.data() + s.size(), n).ec == std::errc{}) return n;
    }
    if (reply->type == RedisReply::Type::kInteger) return reply->integer;
  }
  return inner_.hits(key);
}

void RedisCounterStore::release(const std::string& key) {
  if (auto reply = redis_.command({"EVAL", kRelease, "1", key_of(key)}); reply && reply->type == RedisReply::Type::kInteger)
    return;
  inner_.release(key);  // Redis is away: the hit went to the store's count too
}

}  // namespace gatehouse::cache
