// Step check_client: the client asking. Its errors never redirect (nothing is verified yet).
#include "oidc/authorize/authorize_context.hpp"

namespace gatehouse::oidc {
namespace {

// client_id and redirect_uri are bounded before they are looked up (RFC 6749 leaves their size
// open); the other fields are bounded in check_request_bounds.
constexpr std::size_t kMaxClientId = 256;
constexpr std::size_t kMaxRedirectUri = 2048;

}  // namespace

StepResult check_client(AuthorizeContext& ctx) {
  using oauth::OAuthErrorCode;
  const auto client_id = ctx.params.value("client_id");
  if (client_id.empty()) return page_error(OAuthErrorCode::kInvalidRequest, "The request has no client_id.");
  if (client_id.size() > kMaxClientId)
    return page_error(OAuthErrorCode::kInvalidRequest, "client_id is longer than " + std::to_string(kMaxClientId) + " bytes.");
  if (ctx.params.value("redirect_uri").size() > kMaxRedirectUri)
    return page_error(OAuthErrorCode::kInvalidRequest,
                      "redirect_uri is longer than " + std::to_string(kMaxRedirectUri) + " bytes.");
  ctx.client = ctx.deps.clients.find(client_id);
  if (!ctx.client) return page_error(OAuthErrorCode::kInvalidClient, "The application is not known.");
  ctx.request.client_id = ctx.client->client_id;
  return step_ok();
}

}  // namespace gatehouse::oidc
