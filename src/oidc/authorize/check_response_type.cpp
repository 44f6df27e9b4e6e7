// Step check_response_type: the authorization code flow only, answered in the query
// (RFC 6749 §4.1.1, §3.1.1; OAuth 2.0 Multiple Response Type Encoding Practices §2.1).
#include "client/client_metadata.hpp"
#include "oidc/authorize/authorize_context.hpp"

namespace gatehouse::oidc {

StepResult check_response_type(AuthorizeContext& ctx) {
  using oauth::OAuthErrorCode;
  if (!client::has_grant(*ctx.client, "authorization_code"))
    return redirect_error(OAuthErrorCode::kUnauthorizedClient, "this client may not use the authorization code flow");
  if (ctx.params.value("response_type") != "code")
    return redirect_error(OAuthErrorCode::kUnsupportedResponseType, "only response_type=code is supported");
  if (auto mode = ctx.params.value("response_mode"); !mode.empty() && mode != "query")
    return redirect_error(OAuthErrorCode::kInvalidRequest, "only response_mode=query is supported");
  ctx.request.response_type = "code";
  ctx.request.response_mode = "query";
  return step_ok();
}

}  // namespace gatehouse::oidc
