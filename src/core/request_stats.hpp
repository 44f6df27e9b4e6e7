#pragma once
// What each kind of request costs in store round trips, counted, not estimated (issue 4's
// benchmark reads it; the metrics endpoint will export it).
//
// A round trip is one request/answer exchange with a network store (PostgreSQL; SQLite, in the
// process, makes none). The store counts its own on the calling thread; a request's handler runs
// on one thread from start to end (store calls block), so the difference across the handler is
// that request's count. The router names the request by its route; a handler that knows better
// (the token endpoint: the grant type) renames it.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

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

  /// Adds one request of `kind` that made `round_trips` store round trips.
  void record(std::string_view kind, std::uint64_t round_trips);
  /// Every kind seen so far, in name order.
  std::vector<Entry> snapshot() const;

 private:
  struct Totals {
    std::uint64_t requests = 0;
    std::uint64_t store_round_trips = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Totals, std::less<>> totals_;  // guarded by mutex_
};

/// Accounts one request: remembers the thread's round-trip count on construction and records the
/// difference under the request's kind on destruction (an unnamed request counts as "unmatched").
class RequestScope {
 public:
  explicit RequestScope(RequestStats& stats) : stats_(stats), start_(store_round_trips) { request_kind = nullptr; }
  ~RequestScope();
  RequestScope(const RequestScope&) = delete;
  RequestScope& operator=(const RequestScope&) = delete;
  /// Records nothing (a fast path that did not answer: the request is accounted elsewhere).
  void dismiss() noexcept { dismissed_ = true; }

 private:
  RequestStats& stats_;
  std::uint64_t start_;
  bool dismissed_ = false;
};

}  // namespace gatehouse::stats
