#pragma once
// A small blocking HTTP/1.1 client for node-to-node calls (http:// and https://, the latter
// verifying the peer against the system's trusted certificates, plus an optional PEM file of
// certificate authorities, and the host name or IP address). Every call is
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
/// @param ca_file PEM certificates trusted for https besides the system's ("" = the system's only).
/// @returns the response, or a message for the log (never echoing header values).
Result<ClientResponse, std::string> http_get(const std::string& url,
                                             const std::vector<std::pair<std::string, std::string>>& headers,
                                             std::chrono::milliseconds timeout, const std::string& ca_file = {},
                                             std::size_t max_body = 4 * 1024 * 1024);

/// Checks that `ca_file` holds at least one PEM certificate OpenSSL accepts as a trust anchor.
/// @returns a message naming the problem, or nothing if it loads.
Result<void, std::string> check_ca_file(const std::string& ca_file);

}  // namespace gatehouse::http
