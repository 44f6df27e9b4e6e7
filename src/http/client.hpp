#pragma once
// A small blocking HTTP/1.1 client for node-to-node calls (http:// and https://, the latter
// verifying the peer against the system's trusted certificates and the host name). Every call is
// bounded by one deadline covering resolve, connect, TLS handshake, write and read.

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace gatehouse::http {

struct ClientResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

/// GETs `url` (absolute http/https) with `headers`. The body is limited to `max_body` bytes.
/// @returns the response, or a message for the log (never echoing header values).
Result<ClientResponse, std::string> http_get(const std::string& url,
                                             const std::vector<std::pair<std::string, std::string>>& headers,
                                             std::chrono::milliseconds timeout, std::size_t max_body = 4 * 1024 * 1024);

}  // namespace gatehouse::http
