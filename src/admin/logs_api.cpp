// GET /api/system/logs?node=ID&after=SEQ&limit=N: the recent log lines of any node of the
// cluster (FusionAuth's System → Logs, for every node). Each node keeps its own lines in memory
// (app/logging.hpp); a request for another node is forwarded to that node's node_url, signed with
// a key every node derives from the master key, and answered there. The signature names both
// nodes and carries a nonce every node remembers for the signature's lifetime, so it is good for
// one request to one node; the answer is signed back over that nonce, so a man in the middle of a
// plain-http node_url can neither replay the request nor change the answer unnoticed.
#include <algorithm>
#include <charconv>
#include <optional>
#include <vector>

#include <boost/json.hpp>

#include "admin/admin_api.hpp"
#include "admin/admin_http.hpp"
#include "core/base64url.hpp"
#include "jose/openssl/crypto.hpp"

namespace gatehouse::admin {
namespace {

constexpr std::size_t kDefaultLines = 200;
constexpr std::size_t kMaxLines = 2000;
constexpr std::string_view kNodeHeader = "x-gatehouse-node";
constexpr std::string_view kNodeResponseHeader = "x-gatehouse-node-response";

std::string request_mac(const KeyBytes& key, std::string_view from, std::string_view to, UnixMillis at,
                        std::string_view nonce, std::string_view target) {
  std::string input = "gatehouse-node-request-v2\nGET\n";
  const std::string at_text = std::to_string(at);
  for (std::string_view part : {from, to, std::string_view(at_text), nonce, target}) {
    input += part;
    input += '\n';
  }
  return base64url_encode(jose::hmac_sha256(key.reveal(), input));
}

/// Splits `text` at single spaces into exactly `n` non-empty fields.
std::optional<std::vector<std::string_view>> fields(std::string_view text, std::size_t n) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < n) {
    const auto space = text.find(' ');
    if (space == std::string_view::npos || space == 0) return std::nullopt;
    out.push_back(text.substr(0, space));
    text.remove_prefix(space + 1);
  }
  if (text.empty() || text.find(' ') != std::string_view::npos) return std::nullopt;
  out.push_back(text);
  return out;
}

bool nonce_chars(std::string_view nonce) {
  return !nonce.empty() && nonce.size() <= 64 && std::all_of(nonce.begin(), nonce.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
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
  const NodeRequest sent{deps.node_id, jose::random_token(16)};
  const auto signature = sign_node_request(deps.node_key, deps.node_id, node, deps.clock.now_ms(), sent.nonce, path);
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
  const auto* answer_signature = answer->header(kNodeResponseHeader);
  if (answer_signature == nullptr ||
      !verify_node_response(deps.node_key, node, sent, answer->status, answer->body, *answer_signature))
    return error(502, "node_refused", "the answer of node " + node + " is not signed by it (another master key, or altered on the way)");
  boost::system::error_code ec;
  auto body = json::parse(answer->body, ec);
  if (ec || !body.is_object()) return error(502, "node_refused", "node " + node + " answered something that is not JSON");
  return ok(200, body);
}

}  // namespace

std::string sign_node_request(const KeyBytes& key, const std::string& from, const std::string& to, UnixMillis now_ms,
                              std::string_view nonce, std::string_view target) {
  return from + " " + to + " " + std::to_string(now_ms) + " " + std::string(nonce) + " " +
         request_mac(key, from, to, now_ms, nonce, target);
}

std::optional<NodeRequest> verify_node_request(const KeyBytes& key, std::string_view header, std::string_view self,
                                               UnixMillis now_ms, std::string_view target, token::ReplayStore& nonces) {
  if (key.empty()) return std::nullopt;
  const auto parts = fields(header, 5);
  if (!parts) return std::nullopt;
  const auto from = (*parts)[0], to = (*parts)[1], digits = (*parts)[2], nonce = (*parts)[3], mac = (*parts)[4];
  if (to != self || !nonce_chars(nonce) || digits.size() > 15) return std::nullopt;
  UnixMillis at = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), at);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  if (at > now_ms + kNodeRequestWindow || at < now_ms - kNodeRequestWindow) return std::nullopt;
  if (!jose::constant_time_equal(mac, request_mac(key, from, to, at, nonce, target))) return std::nullopt;
  // Only a genuine signature reaches the store; it is remembered until it could no longer be
  // accepted anyway (rounded up to the next second).
  const std::string remembered = "node-request:" + std::string(from) + ":" + std::string(nonce);
  const auto expires_at = static_cast<UnixSeconds>((at + kNodeRequestWindow) / 1000 + 1);
  if (!nonces.first_use(remembered, expires_at, static_cast<UnixSeconds>(now_ms / 1000))) return std::nullopt;
  return NodeRequest{std::string(from), std::string(nonce)};
}

std::string sign_node_response(const KeyBytes& key, std::string_view responder, const NodeRequest& request, int status,
                               std::string_view body) {
  std::string input = "gatehouse-node-response-v1\n";
  const std::string status_text = std::to_string(status);
  const std::string body_digest = base64url_encode(jose::sha256(body));
  for (std::string_view part : {responder, std::string_view(request.from), std::string_view(request.nonce),
                                std::string_view(status_text), std::string_view(body_digest)}) {
    input += part;
    input += '\n';
  }
  return base64url_encode(jose::hmac_sha256(key.reveal(), input));
}

bool verify_node_response(const KeyBytes& key, std::string_view responder, const NodeRequest& request, int status,
                          std::string_view body, std::string_view header) {
  return !key.empty() && jose::constant_time_equal(header, sign_node_response(key, responder, request, status, body));
}

void add_log_routes(http::Router& router, const AdminDeps& deps) {
  router.add("GET", "/api/system/logs", [&deps](const Request& req, const PathParams& params) {
    if (const auto* signed_by = req.header(kNodeHeader)) {
      std::optional<NodeRequest> accepted;
      if (deps.node_nonces != nullptr)
        accepted = verify_node_request(deps.node_key, *signed_by, deps.node_id, deps.clock.now_ms(), req.target, *deps.node_nonces);
      if (!accepted)
        return error(401, "unauthorized",
                     "the node-to-node signature is not valid (for another node, used before, clocks apart, or another master key)");
      auto res = logs(deps, req, true);
      res.set(std::string(kNodeResponseHeader), sign_node_response(deps.node_key, deps.node_id, *accepted, res.status, res.body));
      return res;
    }
    return guarded(deps, [&deps](const Request& r, const PathParams&) { return logs(deps, r, false); })(req, params);
  });
}

}  // namespace gatehouse::admin
