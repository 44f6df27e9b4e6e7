#include "limits/rate_limiter.hpp"

#include <string>

namespace gatehouse::limits {

RateLimiter::Window RateLimiter::window_of(const Rule& rule, std::string_view subject) const {
  const UnixSeconds now = clock_.now();
  const UnixSeconds start = now - now % rule.window;
  std::string key;
  key.reserve(rule.name.size() + subject.size() + 24);
  key.append(rule.name).append(":").append(std::to_string(start)).append(":").append(subject);
  return {std::move(key), now, start + rule.window};
}

std::optional<UnixSeconds> RateLimiter::over_limit(const Rule& rule, std::string_view subject) {
  if (rule.limit <= 0 || rule.window <= 0) return std::nullopt;
  const auto w = window_of(rule, subject);
  if (counters_.hit(w.key, w.end) <= rule.limit) return std::nullopt;
  return std::max<UnixSeconds>(w.end - w.now, 1);
}

std::optional<UnixSeconds> RateLimiter::exhausted(const Rule& rule, std::string_view subject) {
  if (rule.limit <= 0 || rule.window <= 0) return std::nullopt;
  const auto w = window_of(rule, subject);
  if (counters_.hits(w.key) < rule.limit) return std::nullopt;
  return std::max<UnixSeconds>(w.end - w.now, 1);
}

std::int64_t RateLimiter::record(const Rule& rule, std::string_view subject) {
  if (rule.limit <= 0 || rule.window <= 0) return 0;
  const auto w = window_of(rule, subject);
  return counters_.hit(w.key, w.end);
}

void RateLimiter::release(const Rule& rule, std::string_view subject) {
  if (rule.limit <= 0 || rule.window <= 0) return;
  counters_.release(window_of(rule, subject).key);
}

}  // namespace gatehouse::limits
