#include "oauth/form.hpp"

#include <unordered_set>

#include "http/router.hpp"

namespace gatehouse::oauth {

const std::string* Form::get(std::string_view name) const {
  for (const auto& [k, v] : items_)
    if (k == name) return v.empty() ? nullptr : &v;
  return nullptr;
}

// No OAuth request needs more; a cap keeps a hostile body from costing more than its parsing.
constexpr std::size_t kMaxParameters = 64;

Result<Form, OAuthError> parse_form(const http::Request& request) {
  const auto* ct = request.header("content-type");
  if (ct == nullptr || http::media_type(*ct) != "application/x-www-form-urlencoded")
    return unexpected(oauth_error(OAuthErrorCode::kInvalidRequest,
                                  "the request body must be application/x-www-form-urlencoded"));
  return parse_urlencoded(request.body);
}

Result<Form, OAuthError> parse_urlencoded(std::string_view body) {
  Form form;
  std::unordered_set<std::string> seen;
  std::size_t start = 0;
  while (start <= body.size()) {
    auto end = body.find('&', start);
    if (end == std::string_view::npos) end = body.size();
    auto pair = body.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string name;
    std::string value;
    if (!http::percent_decode(pair.substr(0, eq), name, true) ||
        (eq != std::string_view::npos && !http::percent_decode(pair.substr(eq + 1), value, true)))
      return unexpected(oauth_error(OAuthErrorCode::kInvalidRequest, "the request body has a malformed percent-encoding"));
    if (seen.size() >= kMaxParameters)
      return unexpected(oauth_error(OAuthErrorCode::kInvalidRequest, "the request has too many parameters"));
    if (!seen.insert(name).second)
      return unexpected(oauth_error(OAuthErrorCode::kInvalidRequest, "parameter '" + name + "' is included more than once"));
    form.add(std::move(name), std::move(value));
  }
  return form;
}

}  // namespace gatehouse::oauth
