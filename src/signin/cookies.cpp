#include "signin/cookies.hpp"

namespace gatehouse::signin {
namespace {

constexpr std::string_view kHostPrefix = "__Host-";
constexpr std::string_view kSecurePrefix = "__Secure-";

}  // namespace

CookieScope cookie_scope(const CookieConfig& config, std::string_view name, std::string_view path, bool path_may_widen) {
  if (!config.secure || name.starts_with(kHostPrefix) || name.starts_with(kSecurePrefix))
    return {std::string(name), std::string(path)};
  if (path == "/" || path_may_widen) return {std::string(kHostPrefix) + std::string(name), "/"};
  return {std::string(kSecurePrefix) + std::string(name), std::string(path)};
}

CookieScope session_cookie_scope(const CookieConfig& config) {
  return cookie_scope(config, config.session_cookie, config.session_cookie_path, false);
}

std::string set_cookie(const CookieConfig& config, const CookieScope& scope, std::string_view value,
                       std::optional<UnixSeconds> max_age) {
  std::string c = scope.name + "=" + std::string(value) + "; Path=" + scope.path + "; HttpOnly; SameSite=Lax";
  if (config.secure) c += "; Secure";
  if (max_age) c += "; Max-Age=" + std::to_string(*max_age);
  return c;
}

std::string cookie_value(const http::Request& request, std::string_view name) {
  for (const auto& h : request.headers) {
    if (h.name != "cookie") continue;
    std::string_view v = h.value;
    std::size_t start = 0;
    while (start < v.size()) {
      auto end = v.find(';', start);
      if (end == std::string_view::npos) end = v.size();
      auto pair = v.substr(start, end - start);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      auto eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
      start = end + 1;
    }
  }
  return {};
}

}  // namespace gatehouse::signin
