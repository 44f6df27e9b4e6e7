#include "oauth/form.hpp"

#include "http/router.hpp"

namespace gatehouse::oauth {

const std::string* Form::get(std::string_view name) const {
  for (const auto& [k, v] : items_)
    if (k == name) return v.empty() ? nullptr : &v;
  return nullptr;
}

Result<Form, OAuthError> parse_form(const http::Request& request) {
  const auto* ct = request.header("content-type");
  if (ct == nullptr || http::media_type(*ct) != "application/x-www-form-urlencoded")
    return unexpected(oauth_error(OAuthErrorCode::kInvalidRequest,
                                  "the request body must be application/x-www-form-urlencoded"));
  Form form;
  std::vector<std::string> seen;
  std::string_view body = request.body;
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
    for (const auto& s : seen)
      if (s == name)
        return unexpected(oauth_error(OAuthErrorCode::kInvalidRequest, "parameter '" + name + "' is included more than once"));
    seen.push_back(name);
    form.add(std::move(name), std::move(value));
  }
  return form;
}

}  // namespace gatehouse::oauth
