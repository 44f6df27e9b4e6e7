#pragma once
// Reading requests as the server does, from bytes in memory instead of a socket: a SyncReadStream
// that hands out at most `chunk` bytes per read (so the parser meets a request split anywhere),
// and read_one(), the server's read of one request (Server::Impl::read_request: the header, then
// the body, into the same parser and connection buffer) without the timeouts and the
// 100-continue answer. For http/request_reader_test.cpp and fuzz/http_request_fuzz.cpp.

#include <algorithm>
#include <cstddef>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/system/system_error.hpp>

#include "http/request_reader.hpp"

namespace gatehouse::http::testing {

class MemoryStream {
 public:
  MemoryStream(std::string_view bytes, std::size_t chunk) : rest_(bytes), chunk_(std::max<std::size_t>(chunk, 1)) {}

  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers, boost::system::error_code& ec) {
    if (rest_.empty()) {
      ec = boost::asio::error::eof;  // the peer closed the connection
      return 0;
    }
    ec = {};
    const auto n = boost::asio::buffer_copy(buffers, boost::asio::buffer(rest_.data(), std::min(chunk_, rest_.size())));
    rest_.remove_prefix(n);
    return n;
  }
  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers) {
    boost::system::error_code ec;
    const auto n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }
  /// Bytes not read yet.
  std::size_t left() const { return rest_.size(); }

 private:
  std::string_view rest_;
  std::size_t chunk_;
};

/// One request from `stream` into `parser` (given the limits here), leaving what follows it in
/// `buffer` for the next request of the connection. @returns the read's error, if any.
inline boost::system::error_code read_one(MemoryStream& stream, boost::beast::flat_buffer& buffer, RequestParser& parser,
                                          const RequestLimits& limits) {
  apply_limits(parser, limits);
  boost::system::error_code ec;
  boost::beast::http::read_header(stream, buffer, parser, ec);
  if (ec || parser.is_done()) return ec;
  boost::beast::http::read(stream, buffer, parser, ec);
  return ec;
}

}  // namespace gatehouse::http::testing
