// Step start_sign_in: no session answered, so the person signs in. prompt=none forbids the form
// (OpenID Connect Core §3.1.2.6 login_required); otherwise the request waits in the store as the
// continuation of a sign-in transaction, and the sign-in domain shows the login page.
#include "oidc/authorize/authorize_context.hpp"

namespace gatehouse::oidc {

StepResult start_sign_in(AuthorizeContext& ctx) {
  if (ctx.prompt_none) {
    // A session that lacks only the second factor: the person is signed in, but must interact.
    if (ctx.step_up) return redirect_error(oauth::OAuthErrorCode::kInteractionRequired, "a second factor is required");
    return redirect_error(oauth::OAuthErrorCode::kLoginRequired, "the user is not signed in");
  }
  signin::SignInTransaction tx;
  tx.continuation = {std::string(signin::kOidcKind), encode_request(ctx.request)};
  tx.service = ctx.request.client_id;
  tx.login_hint = ctx.request.login_hint;
  tx.fresh = ctx.prompt_login;
  tx.max_age = ctx.request.max_age;
  tx.requested_acr = ctx.request.acr_values;
  if (ctx.step_up) {
    // The session's first factor stands; the sign-in goes on from it to the second.
    tx.user_id = ctx.step_up->user_id;
    tx.amr = ctx.step_up->amr;
  }
  ctx.response = ctx.deps.sign_in.start(std::move(tx), ctx.http);
  return step_ok();
}

}  // namespace gatehouse::oidc
