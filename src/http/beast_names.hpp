#pragma once
// The Asio and Beast names the transport's own files share (http/ only; never included by a
// domain): one spelling of each alias, and the completion token every coroutine here uses
// (errors as values, Beast's error_code comparisons, not exceptions).

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace gatehouse::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
inline constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

}  // namespace gatehouse::http
