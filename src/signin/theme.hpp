#pragma once
// The theme of the hosted pages (sign-in, sign-out, account, errors, their CSS), stored in the database so
// every node serves the same pages without copying files (the setting "theme.default", a JSON
// document). A node keeps the current theme in memory and reloads it when the setting's cluster
// event arrives; until a theme is saved, the built-in one (web/) is used.

#include <memory>
#include <mutex>
#include <string>

#include <boost/json/object.hpp>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "settings/settings_store.hpp"

namespace gatehouse::signin {

inline constexpr std::string_view kThemeSetting = "theme.default";
inline constexpr std::size_t kMaxThemeFileBytes = 64 * 1024;

struct Theme {
  std::string login_html;   ///< must keep {{tx}} and {{csrf}} (the form's hidden fields)
  std::string factor_html;  ///< must keep {{content}}: the second-factor and enrolment forms of a sign-in
  std::string error_html;   ///< must keep {{message}}
  std::string logout_html;  ///< must keep {{csrf}} and {{hidden_fields}}
  /// must keep {{csrf}} and {{sessions}} (the account page, /account); {{factors}} places the
  /// sign-in methods (a template without it gets them before its </main>)
  std::string account_html;
  std::string style_css;    ///< served at /assets/style.css
  UnixSeconds updated_at = 0;  ///< 0: the built-in theme
};

/// The built-in theme (web/).
const Theme& builtin_theme();

/// Validates a theme document {"login_html","error_html","logout_html","account_html","style_css"}: members left
/// out keep the built-in file; unknown members, non-strings, files over 64 KiB and templates
/// without their required placeholders are refused. @returns the theme or a message naming the member.
Result<Theme, std::string> parse_theme(const boost::json::object& doc);
/// The theme as the admin API shows it (with "updated_at" and "builtin").
boost::json::object theme_json(const Theme& theme);

/// This node's current theme. Thread safety: current() from any thread; reload()/save() serialised.
class ThemeProvider {
 public:
  explicit ThemeProvider(settings::SettingsStore& settings) : settings_(settings) {}
  /// Reads the stored theme (the built-in one if none, or if the stored one does not parse).
  void reload();
  std::shared_ptr<const Theme> current() const;
  /// Stores `theme` (stamped `now`) for every node and uses it here at once.
  void save(Theme theme, UnixSeconds now);

 private:
  settings::SettingsStore& settings_;
  mutable std::mutex mutex_;
  std::shared_ptr<const Theme> current_ = std::make_shared<const Theme>(builtin_theme());  // guarded by mutex_
};

}  // namespace gatehouse::signin
