// Step load_session: a live SSO session of this browser may answer without the login form, unless
// the client asks for a fresh sign-in (prompt=login) or the session is older than max_age.
#include "oidc/authorize/authorize_context.hpp"

namespace gatehouse::oidc {

StepResult load_session(AuthorizeContext& ctx) {
  if (ctx.prompt_login) return step_ok();
  const auto now = ctx.deps.clock.now();
  const auto& max_age = ctx.request.max_age;
  if (auto s = ctx.deps.sign_in.current_session(ctx.http); s && (!max_age || now - s->auth_time <= *max_age))
    ctx.session = std::move(s);
  return step_ok();
}

}  // namespace gatehouse::oidc
