#pragma once
// What the browser-facing endpoints (authorize, login, logout) share: HTML escaping, the error
// page, form encoding for redirects, and splitting stored scope strings.

#include <initializer_list>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

#include "http/message.hpp"
#include "signin/theme.hpp"

namespace gatehouse::signin {

std::string html_escape(std::string_view s);
/// Replaces every {{name}} in `tmpl` with its value (escaped by the caller where needed).
std::string render(std::string_view tmpl, std::initializer_list<std::pair<std::string_view, std::string>> values);
/// `body` with `block` inserted before its last </main> (else </body>, else at the end): where a
/// theme from before a placeholder existed gets what the placeholder would hold.
std::string insert_before_end(std::string body, std::string_view block);
/// An HTML page with no-store, a CSP without external sources and no framing.
http::Response html_page(int status, std::string body);
/// The theme's error page. `title` replaces its heading ("Something went wrong") when given.
http::Response error_page(const Theme& theme, int status, std::string_view error, std::string_view message,
                          std::string_view title = {});
/// The theme's error page for a request over a rate limit: 429 with Retry-After; `message` is
/// followed by the seconds to wait ("Try again in " → "Try again in 30 seconds.").
http::Response too_many_page(const Theme& theme, std::string_view message, UnixSeconds wait);
/// The words of a space-separated list (a stored, already validated scope or amr string).
std::vector<std::string> split_words(std::string_view s);

}  // namespace gatehouse::signin
