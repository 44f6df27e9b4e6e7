#include "http/client.hpp"

#include <algorithm>
#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

#include "http/beast_names.hpp"
#include "http/message.hpp"

namespace gatehouse::http {
namespace {

using boost::system::error_code;

using Outcome = Result<ClientResponse, ClientError>;

std::string millis(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

ClientError failed(std::string message) { return ClientError{ClientError::Kind::kFailed, std::move(message)}; }

/// What went wrong in `step`: a passed deadline is a timeout, anything else a failure.
ClientError step_error(const error_code& ec, std::string_view step, std::chrono::milliseconds deadline) {
  if (ec == beast::error::timeout || ec == asio::error::timed_out)
    return ClientError{ClientError::Kind::kTimeout, std::string(step) + " did not finish within " + millis(deadline)};
  return failed(std::string(step) + ": " + ec.message());
}

struct Call {
  bool tls = false;
  std::string host;
  std::string port;
  bhttp::request<bhttp::string_body> request;
  const ClientOptions* options = nullptr;
};

template <class Stream>
asio::awaitable<void> exchange(Stream& stream, Call& call, std::optional<Outcome>& out) {
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_after(call.options->response_timeout);
  if (auto [ec, n] = co_await bhttp::async_write(stream, call.request, kTuple); ec) {
    out = unexpected(step_error(ec, "sending the request", call.options->response_timeout));
    co_return;
  }
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(call.options->max_body);
  if (auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, kTuple); ec) {
    out = unexpected(step_error(ec, "reading the response", call.options->response_timeout));
    co_return;
  }
  lowest.expires_never();
  const auto& response = parser.get();
  ClientResponse r;
  r.status = static_cast<int>(response.result_int());
  for (const auto& field : response) r.headers.emplace_back(ascii_lower(field.name_string()), std::string(field.value()));
  if (const auto* type = r.header("content-type")) r.content_type = *type;
  r.body = response.body();
  out = std::move(r);
}

asio::awaitable<void> run(Call& call, asio::ssl::context* ssl, std::optional<Outcome>& out) {
  auto ex = co_await asio::this_coro::executor;
  const auto& o = *call.options;
  // An address needs no resolver; a name is resolved within the connect deadline (the resolver
  // is cancelled when it passes).
  tcp::resolver::results_type endpoints;
  error_code not_an_address;
  const auto address = asio::ip::make_address(call.host, not_an_address);
  if (!not_an_address) {
    endpoints = tcp::resolver::results_type::create(tcp::endpoint(address, static_cast<unsigned short>(std::stoi(call.port))),
                                                     call.host, call.port);
  } else {
    tcp::resolver resolver(ex);
    asio::steady_timer timer(ex, o.connect_timeout);
    bool timed_out = false;
    timer.async_wait([&](const error_code& e) {
      if (!e) {
        timed_out = true;
        resolver.cancel();
      }
    });
    auto [ec, found] = co_await resolver.async_resolve(call.host, call.port, kTuple);
    timer.cancel();
    if (timed_out) ec = asio::error::timed_out;
    if (ec) {
      out = unexpected(step_error(ec, "resolving " + call.host, o.connect_timeout));
      co_return;
    }
    endpoints = std::move(found);
  }
  // Checked on the resolved addresses, the ones connected to: a name cannot resolve around it.
  std::vector<tcp::endpoint> allowed;
  for (const auto& e : endpoints)
    if (!o.allow_address || o.allow_address(e.endpoint().address().to_string())) allowed.push_back(e.endpoint());
  if (allowed.empty()) {
    out = unexpected(ClientError{ClientError::Kind::kFailed, call.host + " resolves to no address calls may go to"});
    co_return;
  }
  beast::tcp_stream tcp_stream(ex);
  tcp_stream.expires_after(o.connect_timeout);
  if (auto [ec, ep] = co_await tcp_stream.async_connect(allowed, kTuple); ec) {
    out = unexpected(step_error(ec, "connecting", o.connect_timeout));
    co_return;
  }
  if (ssl == nullptr) {
    co_await exchange(tcp_stream, call, out);
    error_code ignored;
    tcp_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp_stream), *ssl);
  // Server Name Indication carries host names only, never an address (RFC 6066 §3).
  if (not_an_address && !SSL_set_tlsext_host_name(stream.native_handle(), call.host.c_str())) {
    out = unexpected(failed("TLS: cannot set the server name"));
    co_return;
  }
  stream.set_verify_callback(asio::ssl::host_name_verification(call.host));
  beast::get_lowest_layer(stream).expires_after(o.handshake_timeout);
  if (auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::client, kTuple); ec) {
    out = unexpected(step_error(ec, "the TLS handshake", o.handshake_timeout));
    co_return;
  }
  co_await exchange(stream, call, out);
  // The whole response was read (its length is known), so no TLS close_notify is awaited.
  error_code ignored;
  beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
}

/// Counts a call in flight for as long as it lives.
class Slot {
 public:
  explicit Slot(std::atomic<std::size_t>& count) : count_(count) {}
  ~Slot() { count_.fetch_sub(1); }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

 private:
  std::atomic<std::size_t>& count_;
};

}  // namespace

const std::string* ClientResponse::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers)
    if (name == lower_name) return &value;
  return nullptr;
}

Result<ClientResponse, ClientError> Client::get(const std::string& url,
                                                const std::vector<std::pair<std::string, std::string>>& headers) {
  return call(false, url, headers, {});
}

Result<ClientResponse, ClientError> Client::post(const std::string& url,
                                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                                 std::string body) {
  return call(true, url, headers, std::move(body));
}

Result<ClientResponse, ClientError> Client::call(bool post, const std::string& url,
                                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                                 std::string body) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https") || parsed->host().empty())
    return unexpected(failed("not an absolute http(s) URL: " + url));
  Call call;
  call.options = &options_;
  call.tls = parsed->scheme() == "https";
  call.host = parsed->host_address();
  if (call.host.size() >= 2 && call.host.front() == '[') call.host = call.host.substr(1, call.host.size() - 2);
  call.port = parsed->has_port() ? std::string(parsed->port()) : (call.tls ? "443" : "80");
  if (call.port.empty() || call.port.size() > 5 ||
      !std::all_of(call.port.begin(), call.port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoi(call.port) < 1 || std::stoi(call.port) > 65535)
    return unexpected(failed("not a TCP port (1-65535) in " + url));
  std::string target(parsed->encoded_path());
  if (target.empty()) target = "/";
  if (parsed->has_query()) target += "?" + std::string(parsed->encoded_query());
  call.request = bhttp::request<bhttp::string_body>{post ? bhttp::verb::post : bhttp::verb::get, target, 11};
  call.request.set(bhttp::field::host, std::string(parsed->encoded_host_and_port()));
  call.request.set(bhttp::field::user_agent, "gatehouse");
  for (const auto& [name, value] : headers) call.request.set(name, value);
  if (post) {
    call.request.body() = std::move(body);
    call.request.prepare_payload();
  }

  if (in_flight_.fetch_add(1) >= options_.max_in_flight) {
    in_flight_.fetch_sub(1);
    return unexpected(ClientError{ClientError::Kind::kBusy, std::to_string(options_.max_in_flight) +
                                                                " calls are already running"});
  }
  Slot slot(in_flight_);
  try {
    std::optional<asio::ssl::context> ssl;
    if (call.tls) {
      ssl.emplace(asio::ssl::context::tls_client);
      ssl->set_default_verify_paths();
      if (!options_.ca_file.empty()) ssl->load_verify_file(options_.ca_file);
      ssl->set_verify_mode(asio::ssl::verify_peer);
    }
    std::optional<Outcome> out;
    std::exception_ptr thrown;
    asio::io_context io(1);
    asio::co_spawn(io, run(call, ssl ? &*ssl : nullptr, out), [&](std::exception_ptr e) { thrown = e; });
    io.run();  // every step has a deadline, so this returns
    if (thrown) std::rethrow_exception(thrown);
    if (!out) return unexpected(failed("the call ended without an answer"));
    return std::move(*out);
  } catch (const std::exception& e) {
    return unexpected(failed(e.what()));
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
