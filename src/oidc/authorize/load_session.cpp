// Step load_session: a live SSO session of this browser may answer without the login form, unless
// the client asks for a fresh sign-in (prompt=login) or the session is older than max_age (then
// the person signs in again from the password; max_age=0 always, even within the second the
// session began, as prompt=login). A session without the second factor that the
// client's mfa_policy or the request's acr_values require is a step-up: only that factor is asked
// (start_sign_in), not the password again.
#include "oidc/authorize/authorize_context.hpp"

namespace gatehouse::oidc {

StepResult load_session(AuthorizeContext& ctx) {
  if (ctx.prompt_login) return step_ok();
  const auto now = ctx.deps.clock.now();
  const auto& max_age = ctx.request.max_age;
  auto s = ctx.deps.sign_in.current_session(ctx.http);
  if (!s || (max_age && (*max_age == 0 || now - s->auth_time > *max_age))) return step_ok();
  if (ctx.deps.sign_in.satisfies(*s, signin::kOidcKind, ctx.request.client_id, ctx.request.acr_values)) ctx.session = std::move(s);
  else ctx.step_up = std::move(s);
  return step_ok();
}

}  // namespace gatehouse::oidc
