#pragma once
// Reading a request off a connection, apart from the socket: the limits Beast's parser is given,
// the bound on the connection's read buffer, the answer to what cannot be read, and the
// conversion to the transport-neutral Request. The server (server.cpp) reads with these; so does
// fuzz/http_request_fuzz.cpp, which feeds the same parser, configured the same way, from memory.
// Internal to http/ (it names Beast's types). Pure functions; thread safe.

#include <cstddef>
#include <optional>
#include <string>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/error_code.hpp>

#include "http/address.hpp"
#include "http/message.hpp"

namespace gatehouse::http {

/// What one request may hold (ServerOptions::max_header_bytes and max_body_bytes).
struct RequestLimits {
  std::size_t max_header_bytes = 16384;
  std::size_t max_body_bytes = 65536;
};

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

/// Gives a fresh parser the limits: the request line and header fields together at most
/// max_header_bytes (then header_limit), the body at most max_body_bytes (then body_limit),
/// whether it comes with a Content-Length or chunked.
void apply_limits(RequestParser& parser, const RequestLimits& limits);

/// The most a connection's read buffer may hold: a request at both limits, and room for chunk
/// framing (Beast's body_limit counts neither chunk extensions nor trailers, so without this
/// bound a client could grow the buffer for as long as the read timeout lets it).
std::size_t read_buffer_limit(const RequestLimits& limits);

/// The answer to a request that could not be read, when the client deserves to know why: 413
/// (body or buffer over its limit), 431 (header over its limit), 400 (malformed); each a JSON
/// error with no-store. nullopt for what ends the connection quietly: a clean close, a request
/// cut short, a timeout, a reset.
std::optional<Response> refusal_for(const boost::system::error_code& ec);

/// The request as handlers see it: method, target split into path and query at the first '?',
/// header names in lower case, the body moved out of `message`, and the client's address,
/// scheme and host as `trusted_proxies` forwarded them (client_info). request_id and received
/// are left for the server to stamp.
Request to_request(boost::beast::http::request<boost::beast::http::string_body>& message, const std::string& remote,
                   const AddressList& trusted_proxies, ForwardedHeader forwarded_header);

}  // namespace gatehouse::http
