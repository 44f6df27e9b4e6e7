#pragma once
// The authorization endpoint (RFC 6749 §4.1, OpenID Connect Core §3.1.2): the front door of OIDC
// sign-ins. Its steps are in authorize_context.hpp; the login form itself belongs to signin/.

#include "http/router.hpp"
#include "oidc/authorize/authorize_context.hpp"

namespace gatehouse::oidc {

http::Response authorize_endpoint(const AuthorizeDeps& deps, const http::Request& request);

/// Registers the authorization endpoint (GET and POST).
void add_authorize_routes(http::Router& router, const AuthorizeDeps& deps);

}  // namespace gatehouse::oidc
