#include "http/request_reader.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

#include <boost/beast/http/error.hpp>

namespace gatehouse::http {
namespace {

namespace bhttp = boost::beast::http;

bool is_http_parse_error(const boost::system::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category();
}

Response refusal(int status, std::string_view code, std::string_view message) {
  auto r = json_error(status, code, message);
  r.set("Cache-Control", "no-store");
  return r;
}

}  // namespace

void apply_limits(RequestParser& parser, const RequestLimits& limits) {
  // Beast's header limit is 32 bits wide: a larger setting means "as large as it goes".
  constexpr std::size_t kWidest = std::numeric_limits<std::uint32_t>::max();
  parser.header_limit(static_cast<std::uint32_t>(std::min(limits.max_header_bytes, kWidest)));
  parser.body_limit(limits.max_body_bytes);
}

std::size_t read_buffer_limit(const RequestLimits& limits) { return limits.max_header_bytes + limits.max_body_bytes + 4096; }

std::optional<Response> refusal_for(const boost::system::error_code& ec) {
  if (ec == bhttp::error::body_limit || ec == bhttp::error::buffer_overflow)
    return refusal(413, "request_too_large", "the request body is too large");
  if (ec == bhttp::error::header_limit) return refusal(431, "request_header_too_large", "the request header is too large");
  if (is_http_parse_error(ec) && ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message)
    return refusal(400, "bad_request", "malformed HTTP request");
  return std::nullopt;
}

Request to_request(bhttp::request<bhttp::string_body>& message, const std::string& remote,
                   const AddressList& trusted_proxies, ForwardedHeader forwarded_header) {
  Request req;
  req.method = std::string(message.method_string());
  req.target = std::string(message.target());
  auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  req.headers.reserve(8);
  for (const auto& f : message) req.headers.push_back({ascii_lower(f.name_string()), std::string(f.value())});
  req.body = std::move(message.body());
  req.remote_address = remote;
  auto client = client_info(req, trusted_proxies, forwarded_header);
  req.client_address = std::move(client.address);
  req.forwarded_proto = std::move(client.proto);
  req.forwarded_host = std::move(client.host);
  return req;
}

}  // namespace gatehouse::http
