// The refresh_token grant (RFC 6749 §6), rotated on every use with replay detection (RFC 9700
// §4.14); a second use inside the grace window gets the answer the first use stored.

#include <boost/json.hpp>

#include "client/client_metadata.hpp"
#include "core/log.hpp"
#include "jose/openssl/crypto.hpp"
#include "oidc/grants/user_tokens.hpp"
#include "signin/pages.hpp"

namespace gatehouse::oidc {
namespace {

namespace json = boost::json;
using oauth::OAuthErrorCode;
using oauth::oauth_error;

constexpr std::string_view kGraceAad = "gatehouse refresh grace answer";

/// The scopes of the answer: the family's, or the narrower set the request asks for (§6).
Result<std::vector<std::string>, oauth::OAuthError> answer_scopes(const token::RefreshToken& current,
                                                                 const oauth::Form& form) {
  auto scopes = signin::split_words(current.scope);
  const auto* requested = form.get("scope");
  if (requested == nullptr) return scopes;
  auto narrowed = client::split_scope(*requested);
  if (!narrowed) return unexpected(oauth_error(OAuthErrorCode::kInvalidScope, "the scope parameter is malformed"));
  for (const auto& s : *narrowed)
    if (!has_scope(scopes, s)) return unexpected(oauth_error(OAuthErrorCode::kInvalidScope, "scope '" + s + "' was not granted"));
  return std::move(*narrowed);
}

/// The user of an active token, if they may still receive tokens; otherwise the family is revoked.
Result<user::User, oauth::OAuthError> check_user(const UserGrantDeps& deps, const token::RefreshToken& current,
                                                 UnixSeconds now) {
  auto u = deps.users.find(current.user_id);
  if (!u || !u->active) {
    deps.refresh_tokens.revoke_grant(current.grant_id, now);
    return unexpected(invalid_grant("the user is no longer active"));
  }
  if (current.sign_in.auth_time < u->tokens_valid_after) {  // a sign-in before a sign-out everywhere
    deps.refresh_tokens.revoke_grant(current.grant_id, now);
    return unexpected(invalid_grant("the refresh token has been revoked"));
  }
  return std::move(*u);
}

/// The answer and the successor for an active token, built before rotate() decides whether this
/// call wins.
struct Successor {
  json::object body;
  token::RefreshToken token;
};

Result<Successor, oauth::OAuthError> build_successor(const UserGrantDeps& deps, const oauth::GrantRequest& request,
                                                     const token::RefreshToken& current, UnixSeconds now) {
  const auto& c = request.client;
  if (current.client_id != c.client_id) return unexpected(invalid_grant("the refresh token was issued to another client"));
  auto scopes = answer_scopes(current, request.form);
  if (!scopes) return unexpected(std::move(scopes.error()));
  auto u = check_user(deps, current, now);
  if (!u) return unexpected(std::move(u.error()));
  Issue in{c, *u, current.grant_id, std::move(*scopes), {}, current.sign_in};
  auto issued = issue_tokens(request.deps, deps, in);
  if (!issued) return unexpected(std::move(issued.error()));
  Successor next{std::move(*issued), {}};
  std::string value;
  next.token = new_refresh_token(deps, in, now, value);
  next.token.scope = current.scope;  // narrowing a request does not narrow the grant
  next.body["refresh_token"] = value;
  return next;
}

/// A use inside the grace window: the answer the first use stored, if it was this client's.
oauth::GrantResult grace_answer(const UserGrantDeps& deps, const client::Client& c, const token::RotateResult& rotated) {
  if (rotated.token->client_id != c.client_id) return unexpected(invalid_grant("the refresh token was issued to another client"));
  auto previous = jose::aead_open(deps.grace_sealing_key.reveal(), rotated.previous_response, kGraceAad);
  if (!previous) return unexpected(invalid_grant("the refresh token is invalid"));
  boost::system::error_code ec;
  auto parsed = json::parse(*previous, ec);
  if (ec || !parsed.is_object()) return unexpected(invalid_grant("the refresh token is invalid"));
  return std::move(parsed.as_object());
}

}  // namespace

oauth::GrantResult refresh_token_grant(const UserGrantDeps& deps, const oauth::GrantRequest& request) {
  const auto& c = request.client;
  const auto* presented = request.form.get("refresh_token");
  if (presented == nullptr) return unexpected(oauth_error(OAuthErrorCode::kInvalidRequest, "refresh_token is required"));
  const auto now = request.deps.clock.now();
  const auto presented_hash = token_hash(*presented);
  // A token that is no longer active may still be inside its grace window: rotate() decides.
  auto current = deps.refresh_tokens.find_active(presented_hash, now);
  Successor next;
  if (current) {
    auto built = build_successor(deps, request, *current, now);
    if (!built) return unexpected(std::move(built.error()));
    next = std::move(*built);
  }
  const auto sealed = jose::aead_seal(deps.grace_sealing_key.reveal(), json::serialize(next.body), kGraceAad);
  auto rotated = deps.refresh_tokens.rotate(presented_hash, next.token, sealed, now, deps.refresh_grace);
  switch (rotated.outcome) {
    case token::RotateOutcome::kRotated:
      if (!current) return unexpected(invalid_grant("the refresh token is invalid"));  // cannot happen: it was not active
      return std::move(next.body);
    case token::RotateOutcome::kGrace: return grace_answer(deps, c, rotated);
    case token::RotateOutcome::kReplayed:
      spdlog::warn("refresh token replayed after its grace window (client {}): grant revoked", c.client_id);
      return unexpected(invalid_grant("the refresh token has already been used"));
    case token::RotateOutcome::kExpired: return unexpected(invalid_grant("the refresh token has expired"));
    case token::RotateOutcome::kRevoked: return unexpected(invalid_grant("the refresh token has been revoked"));
    case token::RotateOutcome::kUnknown: break;
  }
  return unexpected(invalid_grant("the refresh token is invalid"));
}

}  // namespace gatehouse::oidc
