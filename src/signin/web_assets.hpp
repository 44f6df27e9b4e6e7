#pragma once
// The default theme of the hosted pages (web/*), compiled in by web/CMakeLists.txt.

#include <string_view>

namespace gatehouse::web {
extern const std::string_view k_login_html;
extern const std::string_view k_factor_html;
extern const std::string_view k_logout_html;
extern const std::string_view k_account_html;
extern const std::string_view k_error_html;
extern const std::string_view k_style_css;
extern const std::string_view k_passkey_js;
}  // namespace gatehouse::web
