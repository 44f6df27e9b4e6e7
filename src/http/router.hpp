#pragma once
// Maps (method, path pattern) to a handler. Patterns are literal segments and "{name}" segments
// that capture one percent-decoded path segment. An unknown path answers 404, a known path with
// another method 405 with Allow (both as admin-API style JSON errors).

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/message.hpp"
#include "http/percent.hpp"  // percent_decode, percent_encode: here for the code that has always found them here

namespace gatehouse::http {

class PathParams {
 public:
  void add(std::string name, std::string value) { items_.emplace_back(std::move(name), std::move(value)); }
  /// The decoded value of a "{name}" segment; empty if there is none.
  const std::string& get(std::string_view name) const;

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

using Handler = std::function<Response(const Request&, const PathParams&)>;

/// Where a route's handler may run. kInline handlers answer from memory without blocking (static
/// documents, key sets): the server runs them on the I/O thread and skips the hand-off to the
/// worker pool. Everything that may touch the store or wait is kWorker.
enum class Execution { kWorker, kInline };

/// Work begun on the I/O thread and finished on a worker (Request::continuation).
using Continuation = std::function<Response(const Request&)>;

/// What a fast path decided: answered (a response, written at once), handed over (a continuation
/// that the worker runs instead of the route's handler, owning what the fast path already read),
/// or declined (neither: the worker runs the route's handler from the start).
struct FastPathResult {
  FastPathResult(std::optional<Response> a = std::nullopt) : answer(std::move(a)) {}  // NOLINT: implicit
  FastPathResult(Response a) : answer(std::move(a)) {}                                // NOLINT: implicit
  FastPathResult(Continuation c) : continuation(std::move(c)) {}                      // NOLINT: implicit
  std::optional<Response> answer;
  Continuation continuation;
};

/// A fast path tried on the I/O thread before a kWorker handler: it answers when it can do so
/// from memory within a few tens of microseconds, or hands the request to the worker pool (with
/// a continuation, or without one). It must never block.
using FastPath = std::function<FastPathResult(const Request&, const PathParams&)>;

class Router {
 public:
  /// Registers a handler. Thread safety: call before the server starts; dispatch() is then safe
  /// from any number of threads.
  void add(std::string method, std::string_view pattern, Handler handler, Execution execution = Execution::kWorker);
  /// A kWorker route with a fast path tried first on the I/O thread.
  void add(std::string method, std::string_view pattern, Handler handler, FastPath fast_path);
  /// Runs the matching route's handler, or the continuation its fast path left in the request.
  Response dispatch(const Request& request) const;
  /// Answers the request only if it matches a kInline route or a fast path that answers;
  /// otherwise nullopt (and the request goes to dispatch() on a worker, carrying the fast path's
  /// continuation if it left one).
  std::optional<Response> dispatch_inline(const Request& request) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{x}" captures
    Handler handler;
    Execution execution;
    FastPath fast_path;
    std::string kind;  // "METHOD /pattern": the request kind for stats (core/request_stats.hpp)
  };
  std::vector<Route> routes_;
};

}  // namespace gatehouse::http
