#pragma once
// application/x-www-form-urlencoded request bodies as OAuth endpoints must read them.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "http/message.hpp"
#include "oauth/oauth_error.hpp"

namespace gatehouse::oauth {

class Form {
 public:
  /// The value of a parameter; nullptr if absent. Empty values count as absent (RFC 6749 §3.1).
  const std::string* get(std::string_view name) const;
  void add(std::string name, std::string value) { items_.emplace_back(std::move(name), std::move(value)); }
  /// The value, or "" when absent.
  std::string value(std::string_view name) const {
    const auto* v = get(name);
    return v != nullptr ? *v : std::string();
  }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

/// Parses application/x-www-form-urlencoded text (a body or a query string) with the rules below.
Result<Form, OAuthError> parse_urlencoded(std::string_view text);

/// Parses a POST body. @returns invalid_request if the content type is not
/// application/x-www-form-urlencoded, an escape is malformed, or a parameter appears twice
/// (RFC 6749 §3.1: "Request and response parameters MUST NOT be included more than once").
Result<Form, OAuthError> parse_form(const http::Request& request);

}  // namespace gatehouse::oauth
