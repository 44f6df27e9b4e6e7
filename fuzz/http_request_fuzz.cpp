// libFuzzer target for what turns bytes from a socket into the requests handlers see
// (src/http/request_reader.cpp): Boost.Beast's request parser with the server's limits, fed as the
// server feeds it (the header, then the body, one kept-alive request after another through one
// bounded connection buffer), the refusal of what cannot be read, to_request with the client's
// address through trusted proxies (X-Forwarded-For or Forwarded), and the router's matching of
// the path. Any input must give requests or a refusal, never a crash, a sanitizer report, a leak,
// a hang, a body over the limit or a buffer over its bound. Built and run by scripts/fuzz.
//
// The first byte sets the connection up: bits 0-1 how many bytes each read hands the parser (1,
// 7, 61 or 4096), bit 2 tight limits (256-byte header, 64-byte body) instead of the server's
// defaults, bit 3 the Forwarded header instead of X-Forwarded-For, bit 4 a peer that is not a
// trusted proxy. The rest is what the client sent.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/address.hpp"
#include "http/request_reader.hpp"
#include "http/router.hpp"
#include "http/testing/memory_stream.hpp"

namespace {

using namespace gatehouse::http;

// The most requests one input may hold: enough to meet a request after a refused or odd one.
constexpr int kMaxRequests = 8;

const AddressList& trusted_proxies() {
  static const AddressList list = *AddressList::parse({"10.0.0.0/8", "2001:db8::/32"});
  return list;
}

// A few routes of the shapes the server registers: literal segments and captured ones.
const Router& router() {
  static const Router r = [] {
    Router out;
    auto echo = [](const Request&, const PathParams& p) {
      Response res;
      res.body = p.get("id") + "/" + p.get("name");
      return res;
    };
    out.add("GET", "/api/users/{id}", echo);
    out.add("PUT", "/api/users/{id}/factors/{name}", echo);
    out.add("GET", "/.well-known/openid-configuration", echo, Execution::kInline);
    return out;
  }();
  return r;
}

bool has_upper(std::string_view s) {
  for (char c : s)
    if (c >= 'A' && c <= 'Z') return true;
  return false;
}

void check_request(const Request& req, const RequestLimits& limits, bool trusted_peer, const std::string& remote) {
  if (req.body.size() > limits.max_body_bytes) __builtin_trap();
  for (const auto& h : req.headers)
    if (has_upper(h.name)) __builtin_trap();
  if (req.path.find('?') != std::string::npos) __builtin_trap();
  // Through a trusted proxy the client is some hop's address; otherwise the peer itself.
  if (!trusted_peer && req.client_address != remote) __builtin_trap();
  if (trusted_peer && !IpAddress::parse(req.client_address)) __builtin_trap();
  if (!router().dispatch_inline(req)) {
    const auto res = router().dispatch(req);
    if (res.status != 200 && res.status != 404 && res.status != 405) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t setup = data[0];
  static constexpr std::size_t kChunks[] = {1, 7, 61, 4096};
  const RequestLimits limits = (setup & 4) != 0 ? RequestLimits{256, 64} : RequestLimits{};
  const auto forwarded = (setup & 8) != 0 ? ForwardedHeader::kForwarded : ForwardedHeader::kXForwardedFor;
  const bool trusted_peer = (setup & 16) == 0;
  const std::string remote = trusted_peer ? "10.1.2.3" : "203.0.113.9";

  testing::MemoryStream stream({reinterpret_cast<const char*>(data) + 1, size - 1}, kChunks[setup & 3]);
  const std::size_t bound = read_buffer_limit(limits);
  boost::beast::flat_buffer buffer(bound);
  for (int i = 0; i < kMaxRequests; ++i) {
    RequestParser parser;
    const auto ec = testing::read_one(stream, buffer, parser, limits);
    if (buffer.size() > bound) __builtin_trap();
    if (ec) {
      const auto refusal = refusal_for(ec);
      if (refusal && refusal->status != 400 && refusal->status != 413 && refusal->status != 431) __builtin_trap();
      break;
    }
    const bool keep_alive = parser.get().keep_alive();
    check_request(to_request(parser.get(), remote, trusted_proxies(), forwarded), limits, trusted_peer, remote);
    if (!keep_alive) break;
  }
  return 0;
}
