#pragma once
// Transport-neutral request and response: handlers see these, never a socket or a Beast type (C6).

#include <cstddef>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>

namespace gatehouse::http {

struct Header {
  std::string name;  // lower-case in requests
  std::string value;
};

struct Response;

struct Request {
  std::string method;          // as sent, e.g. "GET"
  std::string target;          // the raw request target
  std::string path;            // target up to '?', still percent-encoded
  std::string query;           // after '?', without it; empty if none
  std::vector<Header> headers;
  std::string body;
  std::string remote_address;  // peer IP of the TCP connection
  /// The client's IP address: the peer's, or the one a trusted proxy forwarded (http/address.hpp).
  /// Audit, lockout and rate limits use this one.
  std::string client_address;
  std::string forwarded_proto;  // the scheme the client used, as a trusted proxy said; "" if none
  std::string forwarded_host;   // the Host the client asked for, as a trusted proxy said; "" if none
  std::string request_id;
  std::chrono::steady_clock::time_point received{};  // when the server had read it
  /// Work a route's fast path began on the I/O thread and handed to the worker that finishes the
  /// request: it owns what the fast path already read, so the worker parses nothing twice. Set by
  /// Router::dispatch_inline, taken by Router::dispatch (mutable: it travels with the request from
  /// one const handler call to the next, one thread after the other, never concurrently).
  mutable std::function<Response(const Request&)> continuation;

  /// The first header with this lower-case name, or nullptr.
  const std::string* header(std::string_view lower_name) const;
  /// Every line of a list-valued header (X-Forwarded-For, Forwarded, ...) joined in order with
  /// ", " as RFC 9110 §5.3 allows; "" if there is none. Use it where a proxy may have added its
  /// own line after the client's.
  std::string header_list(std::string_view lower_name) const;
  std::size_t header_count(std::string_view lower_name) const;
};

struct Response {
  int status = 200;
  std::vector<Header> headers;
  std::string body;

  /// Sets a header, replacing any earlier value of the same name (case-insensitive).
  Response& set(std::string_view name, std::string value);
  const std::string* header(std::string_view name) const;
};

/// A JSON response with Content-Type application/json.
Response json_response(int status, const boost::json::value& body);
/// An admin-API style error: {"error": code, "message": message}.
Response json_error(int status, std::string_view code, std::string_view message);
/// A response with no body (e.g. 204, or 200 for RFC 7009 revocation).
Response empty_response(int status);

/// Lower-cases ASCII letters.
std::string ascii_lower(std::string_view s);
/// The media type of a Content-Type value: lower-cased, parameters and whitespace removed.
std::string media_type(std::string_view content_type);

}  // namespace gatehouse::http
