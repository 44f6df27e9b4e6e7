#pragma once
// A small HTTP/1.1 client for node-to-node calls (http:// and https://, the latter verifying the
// peer against the system's trusted certificates, plus an optional PEM file of certificate
// authorities, and the host name or IP address). Every step is asynchronous and has its own
// deadline — resolve and connect, TLS handshake, then write and read of the response — so a peer
// that accepts a connection and never answers costs the caller at most those deadlines (blocking
// Beast calls cannot time out). The caller's thread runs the call; at most max_in_flight calls
// run at once, and the ones beyond are refused at once, so node calls can never hold every
// worker thread.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace gatehouse::http {

struct ClientResponse {
  int status = 0;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;  ///< names lower-cased
  std::string body;

  /// The first header with this lower-case name, or nullptr.
  const std::string* header(std::string_view lower_name) const;
};

struct ClientError {
  enum class Kind {
    kTimeout,  ///< a deadline passed (the peer may be stopped or overloaded)
    kBusy,     ///< max_in_flight calls were already running; not attempted
    kFailed,   ///< anything else: refused connection, TLS verification, malformed answer, bad URL
  };
  Kind kind = Kind::kFailed;
  std::string message;  ///< for the log and the API's error message; never echoes header values
};

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{1000};    ///< name resolution and TCP connect
  std::chrono::milliseconds handshake_timeout{1000};  ///< TLS handshake (https only)
  std::chrono::milliseconds response_timeout{3000};   ///< writing the request and reading the whole response
  std::size_t max_in_flight = 4;                      ///< calls running at once; beyond: ClientError::kBusy
  std::string ca_file;                                ///< PEM CAs trusted for https besides the system's
  std::size_t max_body = 4 * 1024 * 1024;
  /// When set, only resolved addresses it accepts (their text form) are connected to; a URL whose
  /// host resolves to none of them fails. For calls to URLs others chose (CAS proxy callbacks).
  std::function<bool(const std::string& address)> allow_address;
};

class Client {
 public:
  explicit Client(ClientOptions options) : options_(std::move(options)) {}
  /// GETs `url` (absolute http/https) with `headers`. Thread safe.
  Result<ClientResponse, ClientError> get(const std::string& url,
                                          const std::vector<std::pair<std::string, std::string>>& headers);
  /// POSTs `body` to `url` (give its Content-Type in `headers`). Thread safe.
  Result<ClientResponse, ClientError> post(const std::string& url,
                                           const std::vector<std::pair<std::string, std::string>>& headers,
                                           std::string body);
  const ClientOptions& options() const { return options_; }

 private:
  Result<ClientResponse, ClientError> call(bool post, const std::string& url,
                                           const std::vector<std::pair<std::string, std::string>>& headers,
                                           std::string body);
  ClientOptions options_;
  std::atomic<std::size_t> in_flight_{0};
};

/// Checks that `ca_file` holds at least one PEM certificate OpenSSL accepts as a trust anchor.
/// @returns a message naming the problem, or nothing if it loads.
Result<void, std::string> check_ca_file(const std::string& ca_file);

}  // namespace gatehouse::http
