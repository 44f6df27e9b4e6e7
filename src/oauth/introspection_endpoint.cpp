// Token introspection (RFC 7662) and revocation (RFC 7009) for self-contained access tokens.

#include <algorithm>

#include <boost/json.hpp>

#include "jose/openssl/crypto.hpp"

#include "oauth/client_auth.hpp"
#include "oauth/endpoints.hpp"

namespace gatehouse::oauth {
namespace {

struct Authenticated {
  Form form;
  client::Client client;
  std::string token;
};

/// @param confidential_only refuse public clients (introspection: RFC 7662 §2.1 requires the
/// caller to be authorized, and a public client proves nothing by naming its client_id).
/// @returns the OAuth error answer, or 429 when the address failed to authenticate too often.
Result<Authenticated, http::Response> read_request(const OAuthDeps& deps, const http::Request& request,
                                               bool confidential_only, std::string_view path) {
  auto form = parse_form(request);
  if (!form) return unexpected(oauth_error_response(form.error()));
  if (deps.limits.failures_exhausted)
    if (auto wait = deps.limits.failures_exhausted(request.client_address)) return unexpected(too_many_requests(*wait));
  auto client = authenticate_client(request, *form, deps.clients, deps.secrets, {deps.assertions, path});
  if (!client) {
    if (client.error().code == OAuthErrorCode::kInvalidClient && deps.limits.failed)
      deps.limits.failed(request.client_address);
    return unexpected(oauth_error_response(client.error()));
  }
  if (confidential_only && client->token_endpoint_auth_method == "none")
    return unexpected(oauth_error_response(oauth_error(OAuthErrorCode::kInvalidClient, "client authentication failed",
                                                       "public client " + client->client_id + " may not introspect")));
  const auto* token = form->get("token");
  if (token == nullptr)
    return unexpected(oauth_error_response(oauth_error(OAuthErrorCode::kInvalidRequest, "token is required")));
  std::string t = *token;
  return Authenticated{std::move(*form), std::move(*client), std::move(t)};
}

}  // namespace

namespace {

const boost::json::object kInactive{{"active", false}};

std::string refresh_hash(std::string_view token) { return jose::sha256(token); }

/// false when the user behind a token can no longer use it: deleted, deactivated, or signed out
/// everywhere after `at` (an access token's iat; a refresh token's sign-in time).
bool user_allows(const OAuthDeps& deps, const std::string& user_id, UnixSeconds at) {
  if (deps.users == nullptr) return true;
  auto u = deps.users->find(user_id);
  return u && u->active && at >= u->tokens_valid_after;
}

/// RFC 7662 §4: a token's details go to the client it was issued to, and to a client registered to
/// introspect one of its audiences (introspection_audiences); every other caller learns nothing.
bool may_introspect(const client::Client& caller, const token::AccessTokenClaims& claims) {
  if (claims.client_id == caller.client_id) return true;
  for (const auto& a : claims.aud)
    if (std::find(caller.introspection_audiences.begin(), caller.introspection_audiences.end(), a) !=
        caller.introspection_audiences.end())
      return true;
  return false;
}

http::Response introspect_access_token(const OAuthDeps& deps, const client::Client& caller,
                                       const token::AccessTokenClaims& claims) {
  // RFC 7662 §2.2: anything not currently valid is just {"active": false}, with no reason given.
  // A token of a deleted client is no longer valid either.
  if (claims.exp <= deps.clock.now() || !may_introspect(caller, claims) || deps.revocations.is_revoked(claims.jti) ||
      (claims.client_id != caller.client_id && !deps.clients.find(claims.client_id)))
    return oauth_json_response(kInactive);
  // A token issued for a user (through a grant: its jti names the grant) lives only as long as the
  // user may sign in.
  if (!token::grant_of_jti(claims.jti).empty() && !user_allows(deps, claims.sub, claims.iat))
    return oauth_json_response(kInactive);
  boost::json::value aud;
  if (claims.aud.size() == 1) {
    aud = claims.aud.front();
  } else {
    boost::json::array a;
    for (const auto& x : claims.aud) a.emplace_back(x);
    aud = std::move(a);
  }
  boost::json::object body{{"active", true},       {"client_id", claims.client_id}, {"sub", claims.sub},
                           {"aud", std::move(aud)}, {"iss", claims.iss},            {"exp", claims.exp},
                           {"iat", claims.iat},    {"jti", claims.jti},            {"token_type", "Bearer"}};
  if (!claims.scope.empty()) body["scope"] = claims.scope;
  return oauth_json_response(body);
}

/// A refresh token is introspected only by the client it was issued to (it has no audience).
http::Response introspect_refresh_token(const OAuthDeps& deps, const client::Client& caller, std::string_view value) {
  if (deps.refresh_tokens == nullptr) return oauth_json_response(kInactive);
  auto t = deps.refresh_tokens->find_active(refresh_hash(value), deps.clock.now());
  if (!t || t->client_id != caller.client_id || !user_allows(deps, t->user_id, t->sign_in.auth_time))
    return oauth_json_response(kInactive);
  boost::json::object body{{"active", true},    {"client_id", t->client_id}, {"sub", t->user_id},
                           {"iss", deps.tokens.issuer()}, {"exp", t->expires_at}, {"iat", t->created_at},
                           {"token_type", "refresh_token"}};
  if (!t->scope.empty()) body["scope"] = t->scope;
  return oauth_json_response(body);
}

}  // namespace

http::Response introspection_endpoint(const OAuthDeps& deps, const http::Request& request) {
  auto req = read_request(deps, request, true, kIntrospectionPath);
  if (!req) return std::move(req.error());
  // token_type_hint (RFC 7662 §2.1) is a hint only: a token that is not a JWT of ours is looked
  // up as a refresh token whatever the hint says.
  if (auto claims = deps.tokens.decode(req->token)) return introspect_access_token(deps, req->client, *claims);
  return introspect_refresh_token(deps, req->client, req->token);
}

http::Response revocation_endpoint(const OAuthDeps& deps, const http::Request& request) {
  auto req = read_request(deps, request, false, kRevocationPath);
  if (!req) return std::move(req.error());
  const auto now = deps.clock.now();
  const auto not_yours = [] {
    return oauth_error_response(oauth_error(OAuthErrorCode::kUnauthorizedClient, "the token was not issued to this client"));
  };
  // token_type_hint (RFC 7009 §2.1) is a hint only: both kinds are looked for.
  if (auto claims = deps.tokens.decode(req->token)) {
    // RFC 7009 §2.2: an invalid or unknown token is answered with 200 as well.
    if (claims->exp > now) {
      if (claims->client_id != req->client.client_id) return not_yours();
      deps.revocations.revoke(claims->jti, claims->exp);
    }
  } else if (deps.refresh_tokens != nullptr) {
    // RFC 7009 §2.1: revoking a refresh token revokes its grant: every refresh token of the family
    // and every access token issued from it, on every node.
    if (auto t = deps.refresh_tokens->find_active(refresh_hash(req->token), now)) {
      if (t->client_id != req->client.client_id) return not_yours();
      deps.refresh_tokens->revoke_grant(t->grant_id, now);
    }
  }
  auto r = http::empty_response(200);
  r.set("Cache-Control", "no-store");
  return r;
}

void add_routes(http::Router& router, const OAuthDeps& deps) {
  router.add("POST", kIntrospectionPath, [&deps](const http::Request& r, const http::PathParams&) {
    return answer_store_faults(deps.count_store_fault, r, [&] { return introspection_endpoint(deps, r); });
  });
  router.add("POST", kRevocationPath, [&deps](const http::Request& r, const http::PathParams&) {
    return answer_store_faults(deps.count_store_fault, r, [&] { return revocation_endpoint(deps, r); });
  });
}

}  // namespace gatehouse::oauth
