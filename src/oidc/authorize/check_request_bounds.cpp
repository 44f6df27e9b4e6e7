// Step check_request_bounds: bounds on every field a sign-in transaction stores and the answer
// echoes, so one row stays a few KB at most (RFC 6749 leaves their size open).
#include <utility>

#include "oidc/authorize/authorize_context.hpp"

namespace gatehouse::oidc {
namespace {

constexpr std::size_t kMaxState = 2048;
constexpr std::size_t kMaxNonce = 512;
constexpr std::size_t kMaxLoginHint = 256;
constexpr std::size_t kMaxScope = 2048;
constexpr std::size_t kMaxPrompt = 64;

}  // namespace

StepResult check_request_bounds(AuthorizeContext& ctx) {
  using oauth::OAuthErrorCode;
  if (ctx.state.size() > kMaxState) {
    ctx.state.clear();  // an over-long state is not echoed
    return redirect_error(OAuthErrorCode::kInvalidRequest, "state is longer than " + std::to_string(kMaxState) + " bytes");
  }
  for (const auto& [name, max] : {std::pair<std::string_view, std::size_t>{"nonce", kMaxNonce},
                                  {"login_hint", kMaxLoginHint},
                                  {"scope", kMaxScope},
                                  {"prompt", kMaxPrompt}}) {
    if (ctx.params.value(name).size() > max)
      return redirect_error(OAuthErrorCode::kInvalidRequest,
                            std::string(name) + " is longer than " + std::to_string(max) + " bytes");
  }
  ctx.request.state = ctx.state;
  ctx.request.nonce = ctx.params.value("nonce");
  ctx.request.login_hint = ctx.params.value("login_hint");
  return step_ok();
}

}  // namespace gatehouse::oidc
