#pragma once
// What each kind of request costs: how many there were, by answer status, how long they took
// (from the moment the request was read, so time waiting for a worker counts), and their store
// round trips, counted, not estimated. /api/system/stats and /metrics export it.
//
// A round trip is one request/answer exchange with a network store (PostgreSQL; SQLite, in the
// process, makes none). The store counts its own on the calling thread; a request's handler runs
// on one thread from start to end (store calls block), so the difference across the handler is
// that request's count. The router names the request by its route; a handler that knows better
// (the token endpoint: the grant type) renames it.

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/metrics.hpp"

namespace gatehouse::stats {

/// Round trips this thread has made to a network store so far.
inline thread_local std::uint64_t store_round_trips = 0;
inline void count_store_round_trip() noexcept { ++store_round_trips; }

/// The kind of the request this thread is handling: a string with static storage or owned by the
/// router (a registered route), never built from the request (the set of kinds stays bounded).
inline thread_local const char* request_kind = nullptr;

/// Per-kind totals for this node. Thread safety: every method is safe from any number of threads.
class RequestStats {
 public:
  struct Entry {
    std::string kind;
    std::uint64_t requests = 0;
    std::uint64_t store_round_trips = 0;
  };
  struct Series {
    std::string kind;
    int status = 0;
    std::uint64_t store_round_trips = 0;
    metrics::HistogramData latency;  // its count is the number of requests
  };

  /// Adds one request of `kind` answered with `status` after `seconds`, which made `round_trips`
  /// store round trips.
  void record(std::string_view kind, int status, std::uint64_t round_trips, double seconds);
  /// Every kind seen so far, all statuses together, in name order.
  std::vector<Entry> snapshot() const;
  /// Every (kind, status) seen so far, in order.
  std::vector<Series> series() const;

 private:
  struct Totals {
    std::uint64_t store_round_trips = 0;
    metrics::HistogramData latency;
  };
  mutable std::mutex mutex_;
  std::map<std::string, std::map<int, Totals>, std::less<>> totals_;  // guarded by mutex_
};

/// Accounts one request: remembers the thread's round-trip count on construction and records the
/// difference under the request's kind on destruction (an unnamed request counts as "unmatched"),
/// with the status given to finish() (500 if none was: the handler threw) and the time since
/// `received`.
class RequestScope {
 public:
  explicit RequestScope(RequestStats& stats,
                        std::chrono::steady_clock::time_point received = std::chrono::steady_clock::now())
      : stats_(stats), start_(store_round_trips), received_(received) {
    request_kind = nullptr;
  }
  ~RequestScope();
  RequestScope(const RequestScope&) = delete;
  RequestScope& operator=(const RequestScope&) = delete;
  /// The status of the answer.
  void finish(int status) noexcept { status_ = status; }
  /// Records nothing (a fast path that did not answer: the request is accounted elsewhere).
  void dismiss() noexcept { dismissed_ = true; }

 private:
  RequestStats& stats_;
  std::uint64_t start_;
  std::chrono::steady_clock::time_point received_;
  int status_ = 500;
  bool dismissed_ = false;
};

}  // namespace gatehouse::stats
