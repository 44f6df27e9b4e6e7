#include "signin/pages.hpp"

#include "signin/web_assets.hpp"

namespace gatehouse::signin {

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string insert_before_end(std::string body, std::string_view block) {
  auto at = body.rfind("</main>");
  if (at == std::string::npos) at = body.rfind("</body>");
  body.insert(at == std::string::npos ? body.size() : at, block);
  return body;
}

http::Response html_page(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.set("Content-Type", "text/html; charset=utf-8");
  r.set("Cache-Control", "no-store");
  // The pages load nothing from elsewhere and may not be framed (clickjacking of the login form).
  // No form-action: browsers apply it to the redirect that follows the login POST, which goes to
  // the client's (other) origin.
  r.set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
  r.set("X-Frame-Options", "DENY");
  r.set("Referrer-Policy", "no-referrer");
  return r;
}

std::string render(std::string_view tmpl, std::initializer_list<std::pair<std::string_view, std::string>> values) {
  std::string out(tmpl);
  for (const auto& [name, value] : values) {
    const std::string marker = "{{" + std::string(name) + "}}";
    for (auto pos = out.find(marker); pos != std::string::npos; pos = out.find(marker, pos + value.size()))
      out.replace(pos, marker.size(), value);
  }
  return out;
}

http::Response error_page(const Theme& theme, int status, std::string_view error, std::string_view message,
                          std::string_view title) {
  auto body = render(theme.error_html, {{"error", html_escape(error)}, {"message", html_escape(message)}});
  if (!title.empty()) {
    const std::string_view heading = "Something went wrong";
    if (auto pos = body.find(heading); pos != std::string::npos) body.replace(pos, heading.size(), html_escape(title));
  }
  return html_page(status, std::move(body));
}

http::Response too_many_page(const Theme& theme, std::string_view message, UnixSeconds wait) {
  auto r = error_page(theme, 429, "too_many_requests", std::string(message) + std::to_string(wait) + " seconds.");
  r.set("Retry-After", std::to_string(wait));
  return r;
}

std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    auto end = s.find(' ', start);
    if (end == std::string_view::npos) end = s.size();
    if (end > start) out.emplace_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace gatehouse::signin
