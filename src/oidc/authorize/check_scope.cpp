// Step check_scope: a well-formed scope (RFC 6749 §3.3) of standard OpenID Connect scopes and the
// ones registered for the client.
#include <algorithm>
#include <array>

#include "client/client_metadata.hpp"
#include "oidc/authorize/authorize_context.hpp"

namespace gatehouse::oidc {
namespace {

constexpr std::array<std::string_view, 5> kStandardScopes{"openid", "profile", "email", "phone", "offline_access"};

}  // namespace

StepResult check_scope(AuthorizeContext& ctx) {
  using oauth::OAuthErrorCode;
  auto scopes = client::split_scope(ctx.params.value("scope"));
  if (!scopes) return redirect_error(OAuthErrorCode::kInvalidScope, "the scope parameter is malformed");
  const auto& allowed = ctx.client->scopes;
  for (const auto& s : *scopes)
    if (std::find(kStandardScopes.begin(), kStandardScopes.end(), s) == kStandardScopes.end() &&
        std::find(allowed.begin(), allowed.end(), s) == allowed.end())
      return redirect_error(OAuthErrorCode::kInvalidScope, "scope '" + s + "' is not allowed for this client");
  ctx.request.scope = client::join_scope(*scopes);
  ctx.scopes = std::move(*scopes);
  return step_ok();
}

}  // namespace gatehouse::oidc
