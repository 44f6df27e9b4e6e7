// Step check_pkce: RFC 7636 §4.3 (S256 only), required for public clients (RFC 9700 §2.1.1) and,
// with oauth.require_pkce, for every client.
#include "oauth/pkce.hpp"
#include "oidc/authorize/authorize_context.hpp"

namespace gatehouse::oidc {

StepResult check_pkce(AuthorizeContext& ctx) {
  using oauth::OAuthErrorCode;
  const auto challenge = ctx.params.value("code_challenge");
  const auto method = ctx.params.value("code_challenge_method");
  if (!challenge.empty()) {
    if (method != "S256") return redirect_error(OAuthErrorCode::kInvalidRequest, "code_challenge_method must be S256");
    if (!oauth::valid_code_challenge(challenge)) return redirect_error(OAuthErrorCode::kInvalidRequest, "code_challenge is malformed");
  } else if (!method.empty()) {
    return redirect_error(OAuthErrorCode::kInvalidRequest, "code_challenge_method without code_challenge");
  } else if (ctx.client->token_endpoint_auth_method == "none") {
    return redirect_error(OAuthErrorCode::kInvalidRequest, "PKCE (code_challenge with S256) is required for public clients");
  } else if (ctx.deps.require_pkce) {
    return redirect_error(OAuthErrorCode::kInvalidRequest, "PKCE (code_challenge with S256) is required");
  }
  ctx.request.code_challenge = challenge;
  ctx.request.code_challenge_method = challenge.empty() ? "" : "S256";
  return step_ok();
}

}  // namespace gatehouse::oidc
