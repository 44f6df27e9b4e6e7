#pragma once
// RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): ends the browser's SSO session in
// the store (so on every node) and returns to the client's registered post_logout_redirect_uri.

#include <string_view>

#include "client/client_store.hpp"
#include "http/router.hpp"
#include "oidc/authorize/authorize_context.hpp"
#include "token/access_token.hpp"

namespace gatehouse::oidc {

inline constexpr std::string_view kEndSessionPath = "/oauth2/logout";

struct LogoutDeps {
  const AuthorizeDeps& authorize;  // clients; through its sign_in: cookies, session store, clock, theme
  const token::AccessTokenCodec& tokens;
};

http::Response end_session_endpoint(const LogoutDeps& deps, const http::Request& request);
void add_logout_routes(http::Router& router, const LogoutDeps& deps);

}  // namespace gatehouse::oidc
