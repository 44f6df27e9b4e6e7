#pragma once
// What the tests of every front door read off the hosted pages and their answers: a form field's
// value and the SSO session cookie a response sets.

#include <string>

#include "http/message.hpp"

namespace gatehouse::signin::testing {

/// A page's hidden or shown value of `name` ("" when absent).
inline std::string field(const std::string& body, const std::string& name) {
  const auto at = body.find("name=\"" + name + "\" value=\"");
  if (at == std::string::npos) return {};
  const auto start = at + name.size() + 15;
  return body.substr(start, body.find('"', start) - start);
}

/// The "gh_session=<value>" a response sets, ready for a Cookie header ("" when it sets none).
inline std::string session_cookie(const http::Response& r) {
  for (const auto& h : r.headers)
    if (h.name == "Set-Cookie" && h.value.starts_with("gh_session=")) return h.value.substr(0, h.value.find(';'));
  return {};
}

}  // namespace gatehouse::signin::testing
