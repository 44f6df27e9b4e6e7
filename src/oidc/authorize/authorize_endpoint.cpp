// The authorization endpoint: its steps in order, the one place its errors become answers, and
// its routes.
#include "oidc/authorize/authorize_endpoint.hpp"

#include <array>

#include "core/error.hpp"
#include "core/log.hpp"
#include "oidc/authorize/issue_code.hpp"
#include "signin/pages.hpp"

namespace gatehouse::oidc {
namespace {

// The checklist. Until check_redirect_uri passes, errors must not redirect (RFC 6749 §4.1.2.1).
constexpr std::array kAuthorizeSteps{
    Step{"check_client", &check_client},                  // RFC 6749 §4.1.1, bounded before lookup
    Step{"check_redirect_uri", &check_redirect_uri},      // §3.1.2.3; OIDC Core §3.1.2.1 -- the boundary
    Step{"check_request_bounds", &check_request_bounds},  // what the transaction stores stays small
    Step{"check_response_type", &check_response_type},    // code, in the query
    Step{"check_scope", &check_scope},                    // §3.3
    Step{"check_pkce", &check_pkce},                      // RFC 7636 §4.3
    Step{"check_prompt", &check_prompt},                  // OIDC Core §3.1.2.1: prompt, max_age, acr_values
    Step{"load_session", &load_session},                  // a live SSO session may answer
    Step{"issue_code", &issue_code},                      // ... and does, if there is one
    Step{"start_sign_in", &start_sign_in},                // otherwise: login_required, or the login page
};

}  // namespace

http::Response redirect(std::string_view redirect_uri, std::initializer_list<std::pair<std::string_view, std::string>> params) {
  std::string location(redirect_uri);
  char sep = location.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [name, value] : params) {
    if (value.empty()) continue;
    location += sep;
    location += name;
    location += '=';
    location += http::percent_encode(value);
    sep = '&';
  }
  http::Response r;
  r.status = 302;
  r.set("Location", location);
  r.set("Cache-Control", "no-store");
  return r;
}

http::Response error_response(const AuthorizeContext& ctx, const oauth::OAuthError& error) {
  const auto code = std::string(oauth::wire_code(error.code));
  // Shown to the user, not to a client: every such page is a 400, whatever the code, but for a
  // store fault (503, to be retried).
  if (!error.may_redirect || ctx.redirect_uri.empty()) {
    if (error.code != oauth::OAuthErrorCode::kTemporarilyUnavailable)
      return signin::error_page(*ctx.deps.sign_in.theme(), 400, code, error.description);
    auto r = signin::error_page(*ctx.deps.sign_in.theme(), 503, code, error.description);
    r.set("Retry-After", "1");
    return r;
  }
  return redirect(ctx.redirect_uri,
                  {{"error", code}, {"error_description", error.description}, {"state", ctx.state}, {"iss", ctx.deps.issuer}});
}

http::Response authorize_endpoint(const AuthorizeDeps& deps, const http::Request& request) {
  auto parsed = request.method == "POST" ? oauth::parse_form(request) : oauth::parse_urlencoded(request.query);
  if (!parsed) return signin::error_page(*deps.sign_in.theme(), 400, "invalid_request", parsed.error().description);
  AuthorizeContext ctx{deps, request, std::move(*parsed)};
  try {
    for (const auto& step : kAuthorizeSteps) {
      if (auto done = step.run(ctx); !done) return error_response(ctx, done.error());
      if (ctx.response) return std::move(*ctx.response);
    }
  } catch (const StorageError& e) {
    // A store fault is an OAuth error too (RFC 6749 §4.1.2.1 temporarily_unavailable): back to
    // the client once its redirect_uri is verified, else on the error page; never the store's text.
    spdlog::error("request_id={} store unavailable at the authorization endpoint: {}", request.request_id, e.what());
    if (deps.count_store_fault) deps.count_store_fault();
    auto error = oauth::oauth_error(oauth::OAuthErrorCode::kTemporarilyUnavailable,
                                    "The service is temporarily unavailable. Try again in a moment.");
    error.may_redirect = !ctx.redirect_uri.empty();
    return error_response(ctx, error);
  }
  // Unreachable: start_sign_in always answers.
  return error_response(ctx, oauth::local_oauth_error(oauth::OAuthErrorCode::kServerError, "The request could not be handled."));
}

void add_authorize_routes(http::Router& router, const AuthorizeDeps& deps) {
  auto authorize = [&deps](const http::Request& r, const http::PathParams&) { return authorize_endpoint(deps, r); };
  router.add("GET", kAuthorizePath, authorize);
  router.add("POST", kAuthorizePath, authorize);
}

}  // namespace gatehouse::oidc
