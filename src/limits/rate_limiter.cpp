#include "limits/rate_limiter.hpp"

#include <string>

namespace gatehouse::limits {

std::optional<UnixSeconds> RateLimiter::over_limit(const Rule& rule, std::string_view subject) {
  if (rule.limit <= 0 || rule.window <= 0) return std::nullopt;
  const UnixSeconds now = clock_.now();
  const UnixSeconds start = now - now % rule.window;
  const UnixSeconds end = start + rule.window;
  std::string key;
  key.reserve(rule.name.size() + subject.size() + 24);
  key.append(rule.name).append(":").append(std::to_string(start)).append(":").append(subject);
  if (counters_.hit(key, end) <= rule.limit) return std::nullopt;
  return std::max<UnixSeconds>(end - now, 1);
}

}  // namespace gatehouse::limits
