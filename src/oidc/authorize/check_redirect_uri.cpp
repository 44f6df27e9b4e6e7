// Step check_redirect_uri: the boundary. Errors before it are shown to the user; from here on they
// go back to this redirect_uri (RFC 6749 §4.1.2.1).
#include <algorithm>

#include "oidc/authorize/authorize_context.hpp"
#include "signin/pages.hpp"

namespace gatehouse::oidc {

StepResult check_redirect_uri(AuthorizeContext& ctx) {
  using oauth::OAuthErrorCode;
  const auto& c = *ctx.client;
  // redirect_uri may be left out only by a plain OAuth request of a client with exactly one
  // registered (RFC 6749 §3.1.2.3); OpenID Connect requires it (Core §3.1.2.1). A code issued
  // without it is not bound to one at the token endpoint (RFC 6749 §4.1.3).
  ctx.request.redirect_uri = ctx.params.value("redirect_uri");  // "" = the client's only one, not bound to the code
  ctx.redirect_uri = ctx.request.redirect_uri;
  if (ctx.redirect_uri.empty()) {
    const auto scope_words = signin::split_words(ctx.params.value("scope"));
    if (std::find(scope_words.begin(), scope_words.end(), "openid") != scope_words.end())
      return page_error(OAuthErrorCode::kInvalidRequest, "The request has no redirect_uri (OpenID Connect requires one).");
    if (c.redirect_uris.size() != 1) return page_error(OAuthErrorCode::kInvalidRequest, "The request has no redirect_uri.");
    ctx.redirect_uri = c.redirect_uris.front();
  } else if (std::find(c.redirect_uris.begin(), c.redirect_uris.end(), ctx.redirect_uri) == c.redirect_uris.end()) {
    return page_error(OAuthErrorCode::kInvalidRequest, "The redirect_uri is not registered for this application.");
  }
  ctx.state = ctx.params.value("state");
  return step_ok();
}

}  // namespace gatehouse::oidc
