// The admin console at /admin: three static files (web/admin/, compiled in) that call the admin
// API from the browser. Served by every node; a strict CSP (no inline script, nothing from
// elsewhere), no framing, and no caching beyond revalidation so an upgrade shows at once.
#include <string_view>

#include "admin/admin_api.hpp"

namespace gatehouse::web {
extern const std::string_view k_admin_index_html;
extern const std::string_view k_admin_admin_js;
extern const std::string_view k_admin_admin_css;
}  // namespace gatehouse::web

namespace gatehouse::admin {
namespace {

http::Handler file(std::string_view body, std::string_view type) {
  return [body, type](const http::Request&, const http::PathParams&) {
    http::Response r;
    r.body = std::string(body);
    r.set("Content-Type", std::string(type));
    r.set("Cache-Control", "no-cache");
    r.set("Content-Security-Policy",
          "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
          "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    r.set("X-Content-Type-Options", "nosniff");
    r.set("X-Frame-Options", "DENY");
    r.set("Referrer-Policy", "no-referrer");
    return r;
  };
}

}  // namespace

void add_console_routes(http::Router& router) {
  const auto index = file(web::k_admin_index_html, "text/html; charset=utf-8");
  router.add("GET", "/admin", index, http::Execution::kInline);
  router.add("GET", "/admin/", index, http::Execution::kInline);
  router.add("GET", "/admin/admin.js", file(web::k_admin_admin_js, "text/javascript; charset=utf-8"), http::Execution::kInline);
  router.add("GET", "/admin/admin.css", file(web::k_admin_admin_css, "text/css; charset=utf-8"), http::Execution::kInline);
}

}  // namespace gatehouse::admin
