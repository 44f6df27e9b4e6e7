// Step check_prompt: prompt (none, login), max_age and acr_values (OpenID Connect Core §3.1.2.1).
// acr_values is voluntary (§3.1.2.1): the multi-factor value (signin::kAcrMultiFactor) asks for a
// second factor (load_session, the sign-in's next step); other values are recorded and otherwise
// ignored, and a value over kMaxAcrValues is not recorded.
#include <algorithm>

#include "oidc/authorize/authorize_context.hpp"
#include "signin/pages.hpp"

namespace gatehouse::oidc {
namespace {

constexpr std::size_t kMaxAcrValues = 512;

}  // namespace

StepResult check_prompt(AuthorizeContext& ctx) {
  using oauth::OAuthErrorCode;
  ctx.request.prompt = ctx.params.value("prompt");
  const auto values = signin::split_words(ctx.request.prompt);
  ctx.prompt_none = std::find(values.begin(), values.end(), "none") != values.end();
  ctx.prompt_login = std::find(values.begin(), values.end(), "login") != values.end();
  if (ctx.prompt_none && values.size() > 1) return redirect_error(OAuthErrorCode::kInvalidRequest, "prompt=none cannot be combined");
  if (auto m = ctx.params.value("max_age"); !m.empty()) {
    if (m.size() > 9 || !std::all_of(m.begin(), m.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
      return redirect_error(OAuthErrorCode::kInvalidRequest, "max_age must be a non-negative integer");
    ctx.request.max_age = std::stoll(m);
  }
  if (auto acr = ctx.params.value("acr_values"); acr.size() <= kMaxAcrValues) ctx.request.acr_values = std::move(acr);
  return step_ok();
}

}  // namespace gatehouse::oidc
