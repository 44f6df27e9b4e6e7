#include "cache/redis_counters.hpp"

#include <algorithm>

namespace gatehouse::cache {
namespace {

// KEYS[1] the counter; ARGV now, window, threshold, lock_seconds (whole seconds). The rules of
// UserStore::record_failed_login; the hash keeps c (count), w (window start), l (locked until).
constexpr std::string_view kRecordFailure = R"lua(
local v = redis.call('HMGET', KEYS[1], 'c', 'w', 'l')
local c, w, l = tonumber(v[1]) or 0, tonumber(v[2]) or 0, tonumber(v[3]) or 0
local now, window, threshold, lock = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if c == 0 or now - w >= window then c = 0; w = now end
c = c + 1
if c >= threshold then l = now + lock end
redis.call('HSET', KEYS[1], 'c', c, 'w', w, 'l', l)
redis.call('EXPIRE', KEYS[1], math.max(w + window, l) - now + 60)
return {c, w, l}
)lua";

// KEYS[1] a counter; ARGV[1] the cut-off. Deletes it if its window and lock are both older.
constexpr std::string_view kPurgeIfOld = R"lua(
local v = redis.call('HMGET', KEYS[1], 'w', 'l')
local cut = tonumber(ARGV[1])
if v[1] and tonumber(v[1]) < cut and (tonumber(v[2]) or 0) < cut then return redis.call('DEL', KEYS[1]) end
return 0
)lua";

std::optional<user::FailedLogins> from_triple(const RedisReply& r) {
  if (r.type != RedisReply::Type::kArray || r.elements.size() != 3) return std::nullopt;
  for (const auto& e : r.elements)
    if (e.type != RedisReply::Type::kInteger) return std::nullopt;
  return user::FailedLogins{static_cast<int>(r.elements[0].integer), r.elements[1].integer, r.elements[2].integer};
}

long long to_number(const RedisReply& r) {
  if (r.type == RedisReply::Type::kNil || r.str.empty()) return 0;
  try {
    return std::stoll(r.str);
  } catch (...) {
    return 0;
  }
}

}  // namespace

user::FailedLogins RedisCountingUserStore::record_failed_login(const std::string& login_name, UnixSeconds now,
                                                               UnixSeconds window, int threshold, UnixSeconds lock_seconds) {
  const auto key = key_of(login_name);
  const auto a = std::to_string(now), b = std::to_string(window), c = std::to_string(threshold),
             d = std::to_string(lock_seconds);
  if (auto reply = redis_.command({"EVAL", kRecordFailure, "1", key, a, b, c, d})) {
    if (auto counted = from_triple(*reply)) return *counted;
  }
  return inner_.record_failed_login(login_name, now, window, threshold, lock_seconds);
}

user::FailedLogins RedisCountingUserStore::failed_logins(const std::string& login_name) {
  if (auto reply = redis_.command({"HMGET", key_of(login_name), "c", "w", "l"});
      reply && reply->type == RedisReply::Type::kArray && reply->elements.size() == 3) {
    return user::FailedLogins{static_cast<int>(to_number(reply->elements[0])), to_number(reply->elements[1]),
                              to_number(reply->elements[2])};
  }
  return inner_.failed_logins(login_name);
}

std::size_t RedisCountingUserStore::purge_failed_logins(UnixSeconds older_than, std::size_t limit) {
  std::size_t purged = 0;
  const auto cut = std::to_string(older_than);
  const auto pattern = key_of("*");
  std::string cursor = "0";
  do {
    auto page = redis_.command({"SCAN", cursor, "MATCH", pattern, "COUNT", "200"});
    if (!page || page->type != RedisReply::Type::kArray || page->elements.size() != 2) break;
    cursor = page->elements[0].str;
    for (const auto& key : page->elements[1].elements) {
      if (purged >= limit) break;
      if (auto deleted = redis_.command({"EVAL", kPurgeIfOld, "1", key.str, cut}); deleted && deleted->integer > 0) ++purged;
    }
  } while (cursor != "0" && purged < limit);
  return purged + inner_.purge_failed_logins(older_than, limit - purged);
}

void RedisCountingUserStore::reset_failed_logins(const std::string& login_name) {
  // Both: a counter may have been written to the database during an outage.
  redis_.command({"DEL", key_of(login_name)});
  inner_.reset_failed_logins(login_name);
}

}  // namespace gatehouse::cache
