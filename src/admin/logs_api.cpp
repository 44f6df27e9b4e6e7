// GET /api/system/logs?node=ID&after=SEQ&limit=N: the recent log lines of any node of the
// cluster (FusionAuth's System → Logs, for every node). Each node keeps its own lines in memory
// (app/logging.hpp); a request for another node is forwarded to that node's node_url, signed with
// a key every node derives from the master key, and answered there.
#include <boost/json.hpp>

#include "admin/admin_api.hpp"
#include "admin/admin_http.hpp"
#include "core/base64url.hpp"
#include "jose/openssl/crypto.hpp"

namespace gatehouse::admin {
namespace {

namespace json = boost::json;
using http::PathParams;
using http::Request;
using http::Response;

constexpr std::size_t kDefaultLines = 200;
constexpr std::size_t kMaxLines = 2000;
constexpr UnixMillis kSignatureWindow = 30'000;
constexpr std::string_view kNodeHeader = "x-gatehouse-node";

std::string mac(const std::string& key, std::string_view from, UnixMillis now_ms, std::string_view target) {
  const std::string input = "gatehouse-node-request\n" + std::string(from) + "\n" + std::to_string(now_ms) + "\n" + std::string(target);
  return base64url_encode(jose::hmac_sha256(key, input));
}

Response local(const AdminDeps& deps, std::uint64_t after, std::size_t limit) {
  json::array lines;
  std::uint64_t last = after;
  if (deps.local_logs) {
    for (auto& [seq, text] : deps.local_logs(after, limit)) {
      boost::system::error_code ec;
      auto parsed = json::parse(text, ec);
      json::object line = !ec && parsed.is_object() ? std::move(parsed.get_object()) : json::object{{"msg", text}};
      line["seq"] = seq;
      lines.push_back(std::move(line));
      last = seq;
    }
  }
  return ok(200, json::object{{"node_id", deps.node_id}, {"lines", std::move(lines)}, {"next_after", last}});
}

Response logs(const AdminDeps& deps, const Request& req, bool from_node) {
  auto after = query_number(req, "after", 0, 0, SIZE_MAX);
  if (!after) return after.error();
  auto limit = query_number(req, "limit", kDefaultLines, 1, kMaxLines);
  if (!limit) return limit.error();
  auto node = query_text(req, "node");
  if (node.empty() || node == deps.node_id) return local(deps, *after, *limit);
  // A forwarded request is always answered where it lands, so a wrong node_url cannot loop.
  if (from_node) return error(421, "misdirected", "this is node " + deps.node_id + ", not " + node);
  std::optional<cluster::NodeRecord> target;
  for (auto& n : deps.nodes.list())
    if (n.node_id == node) target = std::move(n);
  if (!target) return error(404, "not_found", "no node " + node + " in the cluster", "node");
  if (target->state == cluster::NodeState::kLeft) return error(404, "not_found", "node " + node + " has left the cluster", "node");
  if (target->url.empty() || !deps.fetch)
    return error(409, "no_node_url", "node " + node + " has no cluster.node_url: it cannot be asked for its logs", "node");
  std::string url = target->url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  const std::string path = "/api/system/logs?node=" + node + "&after=" + std::to_string(*after) + "&limit=" + std::to_string(*limit);
  const auto signature = sign_node_request(deps.node_key, deps.node_id, deps.clock.now_ms(), path);
  auto answer = deps.fetch(url + path, {{std::string(kNodeHeader), signature}});
  if (!answer) {
    switch (answer.error().kind) {
      case http::ClientError::Kind::kTimeout:
        return error(504, "node_timeout", "node " + node + " did not answer in time: " + answer.error().message);
      case http::ClientError::Kind::kBusy: {
        auto busy = error(503, "node_calls_busy", "node " + node + " was not asked: " + answer.error().message + "; try again");
        busy.set("Retry-After", "1");
        return busy;
      }
      case http::ClientError::Kind::kFailed:
        break;
    }
    return error(502, "node_unreachable", "node " + node + " did not answer: " + answer.error().message);
  }
  if (answer->status != 200)
    return error(502, "node_refused", "node " + node + " answered " + std::to_string(answer->status));
  boost::system::error_code ec;
  auto body = json::parse(answer->body, ec);
  if (ec || !body.is_object()) return error(502, "node_refused", "node " + node + " answered something that is not JSON");
  return ok(200, body);
}

}  // namespace

std::string sign_node_request(const std::string& key, const std::string& from, UnixMillis now_ms, std::string_view target) {
  return from + " " + std::to_string(now_ms) + " " + mac(key, from, now_ms, target);
}

bool verify_node_request(const std::string& key, std::string_view header, UnixMillis now_ms, std::string_view target) {
  if (key.empty()) return false;
  const auto first = header.find(' ');
  const auto second = first == std::string_view::npos ? first : header.find(' ', first + 1);
  if (second == std::string_view::npos) return false;
  const auto from = header.substr(0, first);
  UnixMillis at = 0;
  try {
    std::size_t used = 0;
    const std::string digits(header.substr(first + 1, second - first - 1));
    at = std::stoll(digits, &used);
    if (used != digits.size()) return false;
  } catch (...) {
    return false;
  }
  if (at > now_ms + kSignatureWindow || at < now_ms - kSignatureWindow) return false;
  return jose::constant_time_equal(header.substr(second + 1), mac(key, from, at, target));
}

void add_log_routes(http::Router& router, const AdminDeps& deps) {
  router.add("GET", "/api/system/logs", [&deps](const Request& req, const PathParams& params) {
    if (const auto* signed_by = req.header(kNodeHeader)) {
      if (!verify_node_request(deps.node_key, *signed_by, deps.clock.now_ms(), req.target))
        return error(401, "unauthorized", "the node-to-node signature is not valid (clocks apart, or another master key)");
      return logs(deps, req, true);
    }
    return guarded(deps, [&deps](const Request& r, const PathParams&) { return logs(deps, r, false); })(req, params);
  });
}

}  // namespace gatehouse::admin
