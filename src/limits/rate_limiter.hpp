#pragma once
// Rate limits counted cluster-wide: a fixed window per (rule, subject) in a CounterStore (Redis
// when configured, else the database), so N nodes together allow `limit` per window, not N times
// it. A limit of 0 is off and costs nothing.

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/clock.hpp"
#include "limits/counter_store.hpp"

namespace gatehouse::limits {

struct Rule {
  std::string_view name;   ///< e.g. "token-client"; part of the key
  std::int64_t limit = 0;  ///< hits allowed per window; 0 = no limit
  UnixSeconds window = 60;
};

class RateLimiter {
 public:
  RateLimiter(CounterStore& counters, const Clock& clock) : counters_(counters), clock_(clock) {}
  /// Counts one hit of `subject` under `rule`. @returns nullopt when allowed, else the seconds
  /// until the window ends (for Retry-After; at least 1).
  std::optional<UnixSeconds> over_limit(const Rule& rule, std::string_view subject);

 private:
  CounterStore& counters_;
  const Clock& clock_;
};

}  // namespace gatehouse::limits
