#include "http/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

namespace gatehouse::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

template <class Stream>
Result<ClientResponse, std::string> exchange(Stream& stream, bhttp::request<bhttp::empty_body>& request,
                                             std::size_t max_body) {
  bhttp::write(stream, request);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(max_body);
  bhttp::read(stream, buffer, parser);
  const auto& response = parser.get();
  ClientResponse out;
  out.status = static_cast<int>(response.result_int());
  if (auto it = response.find(bhttp::field::content_type); it != response.end()) out.content_type = std::string(it->value());
  out.body = response.body();
  return out;
}

}  // namespace

Result<ClientResponse, std::string> http_get(const std::string& url,
                                             const std::vector<std::pair<std::string, std::string>>& headers,
                                             std::chrono::milliseconds timeout, const std::string& ca_file,
                                             std::size_t max_body) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https") || parsed->host().empty())
    return unexpected("not an absolute http(s) URL: " + url);
  const bool tls = parsed->scheme() == "https";
  const std::string host = parsed->host();
  const std::string port = parsed->has_port() ? std::string(parsed->port()) : (tls ? "443" : "80");
  std::string target(parsed->encoded_path());
  if (target.empty()) target = "/";
  if (parsed->has_query()) target += "?" + std::string(parsed->encoded_query());

  bhttp::request<bhttp::empty_body> request{bhttp::verb::get, target, 11};
  request.set(bhttp::field::host, parsed->has_port() ? host + ":" + port : host);
  request.set(bhttp::field::user_agent, "gatehouse");
  for (const auto& [name, value] : headers) request.set(name, value);

  try {
    asio::io_context io;
    tcp::resolver resolver(io);
    beast::tcp_stream tcp_stream(io);
    tcp_stream.expires_after(timeout);
    const auto endpoints = resolver.resolve(host, port);
    if (!tls) {
      tcp_stream.connect(endpoints);
      auto result = exchange(tcp_stream, request, max_body);
      beast::error_code ignored;
      tcp_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      return result;
    }
    asio::ssl::context context(asio::ssl::context::tls_client);
    context.set_default_verify_paths();
    if (!ca_file.empty()) context.load_verify_file(ca_file);
    context.set_verify_mode(asio::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp_stream), context);
    // Server Name Indication carries host names only, never an address (RFC 6066 §3).
    boost::system::error_code not_an_address;
    (void)asio::ip::make_address(host, not_an_address);
    if (not_an_address && !SSL_set_tlsext_host_name(stream.native_handle(), host.c_str()))
      return unexpected(std::string("TLS: cannot set the server name"));
    stream.set_verify_callback(asio::ssl::host_name_verification(host));
    beast::get_lowest_layer(stream).connect(endpoints);
    stream.handshake(asio::ssl::stream_base::client);
    auto result = exchange(stream, request, max_body);
    beast::error_code ignored;
    stream.shutdown(ignored);
    return result;
  } catch (const std::exception& e) {
    return unexpected(std::string(e.what()));
  }
}

Result<void, std::string> check_ca_file(const std::string& ca_file) {
  try {
    asio::ssl::context context(asio::ssl::context::tls_client);
    context.load_verify_file(ca_file);
    return {};
  } catch (const std::exception& e) {
    return unexpected("cannot load PEM certificates from " + ca_file + ": " + e.what());
  }
}

}  // namespace gatehouse::http
