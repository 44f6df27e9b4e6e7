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

}  // namespace gatehouse::cache
