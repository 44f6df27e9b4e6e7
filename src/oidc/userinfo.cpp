#include "oidc/userinfo.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "oauth/form.hpp"
#include "oidc/id_token.hpp"
#include "signin/pages.hpp"

namespace gatehouse::oidc {
namespace {

/// RFC 6750 §3: errors carry WWW-Authenticate: Bearer with error and error_description.
http::Response bearer_error(int status, std::string_view error, std::string_view description) {
  http::Response r;
  r.status = status;
  std::string challenge = "Bearer realm=\"gatehouse\"";
  if (!error.empty()) {
    challenge += ", error=\"" + std::string(error) + "\", error_description=\"" + std::string(description) + "\"";
    r = http::json_response(status, boost::json::object{{"error", error}, {"error_description", description}});
  }
  r.set("WWW-Authenticate", challenge);
  r.set("Cache-Control", "no-store");
  return r;
}

}  // namespace

http::Response userinfo_endpoint(const UserinfoDeps& deps, const http::Request& request) {
  std::string token;
  const auto* authorization = request.header("authorization");
  if (authorization != nullptr) {
    std::string_view v = *authorization;
    if (v.size() < 7 || http::ascii_lower(v.substr(0, 7)) != "bearer ")
      return bearer_error(401, "invalid_token", "the Authorization header must be a Bearer token");
    token = std::string(v.substr(7));
  }
  if (request.method == "POST" && request.body.size() > 0) {
    auto form = oauth::parse_form(request);
    if (form && form->get("access_token") != nullptr) {
      // RFC 6750 §2: exactly one method per request.
      if (!token.empty()) return bearer_error(400, "invalid_request", "the token was sent more than once");
      token = *form->get("access_token");
    }
  }
  if (token.empty()) return bearer_error(401, "", "");
  auto claims = deps.tokens.decode(token);
  if (!claims || claims->exp <= deps.clock.now() || deps.revocations.is_revoked(claims->jti))
    return bearer_error(401, "invalid_token", "the access token is invalid, expired or revoked");
  auto scopes = signin::split_words(claims->scope);
  if (std::find(scopes.begin(), scopes.end(), "openid") == scopes.end())
    return bearer_error(403, "insufficient_scope", "the access token was not granted the openid scope");
  auto u = deps.users.find(claims->sub);
  if (!u || !u->active) return bearer_error(401, "invalid_token", "the user is no longer active");
  if (claims->iat < u->tokens_valid_after) return bearer_error(401, "invalid_token", "the access token has been revoked");
  auto r = http::json_response(200, scope_claims(*u, scopes));
  r.set("Cache-Control", "no-store");
  return r;
}

void add_userinfo_routes(http::Router& router, const UserinfoDeps& deps) {
  // A store fault answers in the OAuth error shape, as every other answer here.
  auto handler = [&deps](const http::Request& r, const http::PathParams&) {
    return oauth::answer_store_faults(deps.count_store_fault, r, [&] { return userinfo_endpoint(deps, r); });
  };
  router.add("GET", kUserinfoPath, handler);
  router.add("POST", kUserinfoPath, handler);
}

}  // namespace gatehouse::oidc
