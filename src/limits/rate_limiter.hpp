#pragma once
// Rate limits counted cluster-wide: a fixed window per (rule, subject) in a CounterStore (Redis
// when configured, else the database), so N nodes together allow `limit` per window, not N times
// it. A limit of 0 is off and costs nothing.

#include <cstdint>
#include <optional>
#include <string>
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
  /// Whether `subject` has used up its `limit` under `rule` in this window, without counting a
  /// hit (for limits on failures, checked before the attempt and counted only when it fails).
  /// @returns nullopt when another attempt is allowed, else the seconds until the window ends.
  std::optional<UnixSeconds> exhausted(const Rule& rule, std::string_view subject);
  /// Counts one hit (a failure) of `subject` under `rule`. @returns the hits in this window
  /// including this one (1 for the first); 0 when the rule is off.
  std::int64_t record(const Rule& rule, std::string_view subject);
  /// Takes back one hit of `subject` under `rule` in this window: for limits on things still
  /// pending (a sign-in started and not finished), counted by over_limit() when one starts and
  /// given back when it finishes. One that finishes in a later window gives back there, so a
  /// window may undercount by the few that cross its start. Nothing when the rule is off.
  void release(const Rule& rule, std::string_view subject);

 private:
  struct Window {
    std::string key;
    UnixSeconds now;
    UnixSeconds end;
  };
  Window window_of(const Rule& rule, std::string_view subject) const;

  CounterStore& counters_;
  const Clock& clock_;
};

}  // namespace gatehouse::limits
