#pragma once
// Logging goes through spdlog's default logger, set up once by app/ (app/logging.hpp: one JSON
// object per line with the node id and the request id, and a ring of recent lines for the admin
// API). Never pass a Secret, a token, a password or an Authorization header to a log call (C9);
// Secret<> makes that a compile error.

#include <string_view>

#include <spdlog/spdlog.h>

namespace gatehouse::logging {

/// The id of the request this thread is handling ("" outside a request); every log line carries it.
inline thread_local std::string_view current_request_id;

/// Names the request for the log lines written on this thread until the scope ends.
class RequestIdScope {
 public:
  explicit RequestIdScope(std::string_view id) : previous_(current_request_id) { current_request_id = id; }
  ~RequestIdScope() { current_request_id = previous_; }
  RequestIdScope(const RequestIdScope&) = delete;
  RequestIdScope& operator=(const RequestIdScope&) = delete;

 private:
  std::string_view previous_;
};

}  // namespace gatehouse::logging
