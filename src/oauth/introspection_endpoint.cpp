// Token introspection (RFC 7662) and revocation (RFC 7009) for self-contained access tokens.

#include <boost/json.hpp>

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

http::Response introspection_endpoint(const OAuthDeps& deps, const http::Request& request) {
  auto req = read_request(deps, request, true, kIntrospectionPath);
  if (!req) return std::move(req.error());
  auto claims = deps.tokens.decode(req->token);
  // RFC 7662 §2.2: anything not currently valid is just {"active": false}, with no reason given.
  // A token of a deleted client is no longer valid either.
  if (!claims || claims->exp <= deps.clock.now() || deps.revocations.is_revoked(claims->jti) ||
      (claims->client_id != req->client.client_id && !deps.clients.find(claims->client_id)))
    return oauth_json_response(boost::json::object{{"active", false}});
  boost::json::value aud;
  if (claims->aud.size() == 1) {
    aud = claims->aud.front();
  } else {
    boost::json::array a;
    for (const auto& x : claims->aud) a.emplace_back(x);
    aud = std::move(a);
  }
  boost::json::object body{{"active", true},       {"client_id", claims->client_id}, {"sub", claims->sub},
                           {"aud", std::move(aud)}, {"iss", claims->iss},             {"exp", claims->exp},
                           {"iat", claims->iat},    {"jti", claims->jti},             {"token_type", "Bearer"}};
  if (!claims->scope.empty()) body["scope"] = claims->scope;
  return oauth_json_response(body);
}

http::Response revocation_endpoint(const OAuthDeps& deps, const http::Request& request) {
  auto req = read_request(deps, request, false, kRevocationPath);
  if (!req) return std::move(req.error());
  auto claims = deps.tokens.decode(req->token);
  // RFC 7009 §2.2: an invalid or unknown token is answered with 200 as well.
  if (claims && claims->exp > deps.clock.now()) {
    if (claims->client_id != req->client.client_id)
      return oauth_error_response(oauth_error(OAuthErrorCode::kUnauthorizedClient,
                                              "the token was not issued to this client"));
    deps.revocations.revoke(claims->jti, claims->exp);
  }
  auto r = http::empty_response(200);
  r.set("Cache-Control", "no-store");
  return r;
}

void add_routes(http::Router& router, const OAuthDeps& deps) {
  router.add(
      "POST", kTokenPath, [&deps](const http::Request& r, const http::PathParams&) { return token_endpoint(deps, r); },
      [&deps](const http::Request& r, const http::PathParams&) { return token_endpoint_fast_path(deps, r); });
  router.add("POST", kIntrospectionPath,
             [&deps](const http::Request& r, const http::PathParams&) { return introspection_endpoint(deps, r); });
  router.add("POST", kRevocationPath,
             [&deps](const http::Request& r, const http::PathParams&) { return revocation_endpoint(deps, r); });
}

}  // namespace gatehouse::oauth
