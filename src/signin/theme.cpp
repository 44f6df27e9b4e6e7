#include "signin/theme.hpp"

#include <array>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "signin/web_assets.hpp"

namespace gatehouse::signin {
namespace {

namespace json = boost::json;

struct File {
  std::string_view name;
  std::string Theme::*field;
  std::array<std::string_view, 2> placeholders;  // "" = none
};

constexpr std::array<File, 6> kFiles{{
    {"login_html", &Theme::login_html, {"{{tx}}", "{{csrf}}"}},
    {"factor_html", &Theme::factor_html, {"{{content}}", ""}},
    {"error_html", &Theme::error_html, {"{{message}}", ""}},
    {"logout_html", &Theme::logout_html, {"{{csrf}}", "{{hidden_fields}}"}},
    {"account_html", &Theme::account_html, {"{{csrf}}", "{{sessions}}"}},
    {"style_css", &Theme::style_css, {"", ""}},
}};

}  // namespace

const Theme& builtin_theme() {
  static const Theme theme{.login_html = std::string(web::k_login_html),
                           .factor_html = std::string(web::k_factor_html),
                           .error_html = std::string(web::k_error_html),
                           .logout_html = std::string(web::k_logout_html),
                           .account_html = std::string(web::k_account_html),
                           .style_css = std::string(web::k_style_css)};
  return theme;
}

Result<Theme, std::string> parse_theme(const json::object& doc) {
  for (const auto& member : doc) {
    const auto key = std::string_view(member.key());
    if (key == "updated_at" || key == "builtin") continue;  // read-only, as GET shows them
    bool known = false;
    for (const auto& f : kFiles) known = known || f.name == key;
    if (!known) return unexpected("\"" + std::string(key) + "\" is not a theme member (login_html, factor_html, error_html, logout_html, account_html, style_css)");
  }
  Theme theme = builtin_theme();
  for (const auto& f : kFiles) {
    const auto* v = doc.if_contains(f.name);
    if (v == nullptr || v->is_null()) continue;
    if (!v->is_string()) return unexpected(std::string(f.name) + " must be a string");
    if (v->get_string().size() > kMaxThemeFileBytes) return unexpected(std::string(f.name) + " is larger than 64 KiB");
    std::string text(v->get_string());
    for (auto p : f.placeholders)
      if (!p.empty() && text.find(p) == std::string::npos)
        return unexpected(std::string(f.name) + " must keep the placeholder " + std::string(p));
    theme.*(f.field) = std::move(text);
  }
  return theme;
}

json::object theme_json(const Theme& theme) {
  json::object out;
  for (const auto& f : kFiles) out[f.name] = theme.*(f.field);
  out["updated_at"] = theme.updated_at;
  out["builtin"] = theme.updated_at == 0;
  return out;
}

void ThemeProvider::reload() {
  auto stored = settings_.get(std::string(kThemeSetting));
  auto next = std::make_shared<Theme>(builtin_theme());
  if (stored) {
    boost::system::error_code ec;
    auto doc = json::parse(*stored, ec);
    auto parsed = !ec && doc.is_object() ? parse_theme(doc.get_object()) : Result<Theme, std::string>(unexpected(std::string("not JSON")));
    if (parsed) {
      *next = std::move(*parsed);
      if (const auto* at = doc.get_object().if_contains("updated_at"); at != nullptr && at->is_int64()) next->updated_at = at->get_int64();
    } else {
      spdlog::error("the stored theme does not load ({}); serving the built-in one", parsed.error());
    }
  }
  std::lock_guard lock(mutex_);
  current_ = std::move(next);
}

std::shared_ptr<const Theme> ThemeProvider::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

void ThemeProvider::save(Theme theme, UnixSeconds now) {
  theme.updated_at = now;
  auto doc = theme_json(theme);
  doc.erase("builtin");
  // A node of the previous release refuses a stored theme with a member it does not know (and
  // serves the built-in one): the account page's template is stored only when it was changed.
  if (theme.account_html == builtin_theme().account_html) doc.erase("account_html");
  settings_.put(std::string(kThemeSetting), json::serialize(doc));
  std::lock_guard lock(mutex_);
  current_ = std::make_shared<const Theme>(std::move(theme));
}

}  // namespace gatehouse::signin
