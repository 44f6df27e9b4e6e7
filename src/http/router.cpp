#include "http/router.hpp"

#include <algorithm>
#include <utility>

#include "core/request_stats.hpp"

namespace gatehouse::http {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 1;  // paths begin with '/'
  if (path.empty() || path.front() != '/') return out;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

const std::string& PathParams::get(std::string_view name) const {
  static const std::string kEmpty;
  for (const auto& [k, v] : items_)
    if (k == name) return v;
  return kEmpty;
}

void Router::add(std::string method, std::string_view pattern, Handler handler, Execution execution) {
  Route r{std::move(method), {}, std::move(handler), execution, {}, {}};
  r.kind = r.method + " " + std::string(pattern);
  for (auto seg : split_path(pattern)) r.segments.emplace_back(seg);
  routes_.push_back(std::move(r));
}

void Router::add(std::string method, std::string_view pattern, Handler handler, FastPath fast_path) {
  add(std::move(method), pattern, std::move(handler), Execution::kWorker);
  routes_.back().fast_path = std::move(fast_path);
}

namespace {

bool match_segments(const std::vector<std::string>& pattern, const std::vector<std::string_view>& segments,
                    PathParams& params) {
  if (pattern.size() != segments.size()) return false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const auto& pat = pattern[i];
    if (pat.size() > 2 && pat.front() == '{' && pat.back() == '}') {
      std::string value;
      if (segments[i].empty() || !percent_decode(segments[i], value, false)) return false;
      params.add(pat.substr(1, pat.size() - 2), std::move(value));
    } else if (pat != segments[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<Response> Router::dispatch_inline(const Request& request) const {
  auto segments = split_path(request.path);
  // The first route matching method and path decides, exactly as in dispatch().
  for (const auto& route : routes_) {
    if (route.method != request.method) continue;
    PathParams params;
    if (!match_segments(route.segments, segments, params)) continue;
    stats::request_kind = route.kind.c_str();
    if (route.execution == Execution::kInline) return route.handler(request, params);
    if (!route.fast_path) return std::nullopt;
    auto result = route.fast_path(request, params);
    if (!result.answer) request.continuation = std::move(result.continuation);
    return std::move(result.answer);
  }
  return std::nullopt;
}

Response Router::dispatch(const Request& request) const {
  auto segments = split_path(request.path);
  std::vector<std::string> allowed;
  for (const auto& route : routes_) {
    PathParams params;
    if (!match_segments(route.segments, segments, params)) continue;
    if (route.method == request.method) {
      stats::request_kind = route.kind.c_str();
      if (request.continuation) return std::exchange(request.continuation, {})(request);
      return route.handler(request, params);
    }
    if (std::find(allowed.begin(), allowed.end(), route.method) == allowed.end())
      allowed.push_back(route.method);
  }
  if (!allowed.empty()) {
    std::string allow;
    for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    auto r = json_error(405, "method_not_allowed", request.method + " is not allowed here");
    r.set("Allow", allow);
    return r;
  }
  return json_error(404, "not_found", "no such resource");
}

}  // namespace gatehouse::http
