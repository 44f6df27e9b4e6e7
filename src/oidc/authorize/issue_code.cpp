// Step issue_code (a live SSO session answers: a code, and back to the client), the code itself,
// and the OIDC front door the sign-in domain resumes after the login form.
#include "oidc/authorize/issue_code.hpp"

#include "client/client_metadata.hpp"

#include "jose/openssl/crypto.hpp"
#include "signin/pages.hpp"

namespace gatehouse::oidc {
namespace {

/// Where the request's answer goes: its redirect_uri, or the client's only registered one when the
/// request had none (nullopt if that no longer holds).
std::optional<std::string> target_of(const AuthorizeDeps& deps, const AuthorizationRequest& request) {
  if (!request.redirect_uri.empty()) return request.redirect_uri;
  auto c = deps.clients.find(request.client_id);
  if (!c || c->redirect_uris.size() != 1) return std::nullopt;
  return c->redirect_uris.front();
}

}  // namespace

http::Response code_redirect(const AuthorizeDeps& deps, const AuthorizationRequest& request, const session::SsoSession& s) {
  const auto target = target_of(deps, request);
  if (!target)
    return signin::error_page(*deps.sign_in.theme(), 400, "invalid_request", "The application's redirect URIs changed; start again.");
  const auto now = deps.clock.now();
  auto value = jose::random_token(32);
  const token::AuthorizationCode code{.code_hash = jose::sha256(value),
                                      .grant_id = jose::random_token(16),
                                      .client_id = request.client_id,
                                      .redirect_uri = request.redirect_uri,
                                      .user_id = s.user_id,
                                      .scope = request.scope,
                                      .nonce = request.nonce,
                                      .code_challenge = request.code_challenge,
                                      .code_challenge_method = request.code_challenge_method,
                                      .sign_in = {s.sid, s.auth_time, s.amr},
                                      .created_at = now,
                                      .expires_at = now + deps.code_ttl};
  deps.codes.insert(code);
  return redirect(*target, {{"code", value}, {"state", request.state}, {"iss", deps.issuer}});
}

StepResult issue_code(AuthorizeContext& ctx) {
  if (!ctx.session) return step_ok();
  // The session records the client once (no write when it signed in from this session before).
  ctx.deps.sign_in.join(*ctx.session, signin::kOidcKind, ctx.request.client_id);
  ctx.response = code_redirect(ctx.deps, ctx.request, *ctx.session);
  return step_ok();
}

std::string OidcFrontDoor::display_name(std::string_view service) const {
  if (auto c = deps_.clients.find(std::string(service)); c && !c->client_name.empty()) return c->client_name;
  return std::string(service);
}

std::optional<signin::MfaPolicy> OidcFrontDoor::mfa_policy(std::string_view service) const {
  auto c = deps_.clients.find(std::string(service));
  return c ? signin::parse_mfa_policy(client::mfa_policy(*c)) : std::nullopt;
}

http::Response OidcFrontDoor::resume(const signin::SignInTransaction& tx, const session::SsoSession& session,
                                     const http::Request&) const {
  auto request = decode_request(tx.continuation.payload);
  if (!request)
    return signin::error_page(*deps_.sign_in.theme(), 400, "invalid_request", "The sign-in request could not be read; start again.");
  return code_redirect(deps_, *request, session);
}

}  // namespace gatehouse::oidc
