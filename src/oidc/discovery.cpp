#include "oidc/discovery.hpp"

#include <boost/json.hpp>

#include "oauth/endpoints.hpp"
#include "oidc/authorize/authorize_context.hpp"
#include "oidc/logout.hpp"
#include "oidc/userinfo.hpp"

namespace gatehouse::oidc {
namespace {

namespace json = boost::json;

json::array strings(std::initializer_list<std::string_view> items) {  // NOLINT
  json::array a;
  for (auto s : items) a.emplace_back(s);
  return a;
}

}  // namespace

std::string metadata_json(const DiscoveryDeps& deps) {
  const auto& iss = deps.issuer;
  json::array algs;
  for (const auto& a : deps.signing_algs) algs.emplace_back(a);
  auto auth_methods = strings({"client_secret_basic", "client_secret_post", "private_key_jwt"});
  // private_key_jwt assertions: the algorithms a client's registered keys can sign with.
  auto assertion_algs = strings({"RS256", "ES256"});
  json::object doc{
      {"issuer", iss},
      {"jwks_uri", iss + std::string(kJwksPath)},
      {"token_endpoint", iss + std::string(oauth::kTokenPath)},
      {"introspection_endpoint", iss + std::string(oauth::kIntrospectionPath)},
      {"revocation_endpoint", iss + std::string(oauth::kRevocationPath)},
      {"authorization_endpoint", iss + std::string(kAuthorizePath)},
      {"userinfo_endpoint", iss + std::string(kUserinfoPath)},
      {"end_session_endpoint", iss + std::string(kEndSessionPath)},
      // Back-Channel Logout 1.0 §2.1: Logout Tokens to each client's backchannel_logout_uri,
      // always with the session's sid (back_channel_logout.hpp).
      {"backchannel_logout_supported", true},
      {"backchannel_logout_session_supported", true},
      {"grant_types_supported", strings({"authorization_code", "refresh_token", "client_credentials"})},
      {"response_types_supported", strings({"code"})},
      {"response_modes_supported", strings({"query"})},
      {"code_challenge_methods_supported", strings({"S256"})},
      {"scopes_supported", strings({"openid", "profile", "email", "phone", "offline_access"})},
      {"claims_supported", strings({"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "sid", "amr", "acr", "at_hash", "name",
                                    "given_name", "family_name", "middle_name", "nickname", "preferred_username",
                                    "picture", "locale", "updated_at", "email", "email_verified", "phone_number",
                                    "phone_number_verified", "groups"})},
      {"prompt_values_supported", strings({"none", "login"})},
      // acr_values: the multi-factor value asks for a second factor (step-up from a live session).
      {"acr_values_supported", strings({signin::kAcrSingleFactor, signin::kAcrMultiFactor})},
      {"authorization_response_iss_parameter_supported", true},
      {"subject_types_supported", strings({"public"})},
      // RS256 by default (OIDC Core §15.1); a client may register another (id_token_signed_response_alg).
      {"id_token_signing_alg_values_supported", algs},
      // "none": public clients at the token endpoint (PKCE mandatory); introspection and
      // revocation are for confidential clients.
      {"token_endpoint_auth_methods_supported",
       strings({"client_secret_basic", "client_secret_post", "private_key_jwt", "none"})},
      {"token_endpoint_auth_signing_alg_values_supported", assertion_algs},
      {"introspection_endpoint_auth_methods_supported", auth_methods},
      {"introspection_endpoint_auth_signing_alg_values_supported", assertion_algs},
      {"revocation_endpoint_auth_methods_supported", auth_methods},
      {"revocation_endpoint_auth_signing_alg_values_supported", assertion_algs},
      {"access_token_signing_alg_values_supported", algs},
  };
  return json::serialize(doc);
}

void add_routes(http::Router& router, const DiscoveryDeps& deps) {
  auto metadata = std::make_shared<const std::string>(metadata_json(deps));
  auto serve_metadata = [metadata](const http::Request&, const http::PathParams&) {
    http::Response r;
    r.body = *metadata;
    r.set("Content-Type", "application/json");
    r.set("Cache-Control", "public, max-age=300");
    r.set("Access-Control-Allow-Origin", "*");
    return r;
  };
  // Everything here is answered from memory, so it runs on the I/O thread (http::Execution).
  router.add("GET", kOpenIdConfigurationPath, serve_metadata, http::Execution::kInline);
  router.add("GET", kOAuthMetadataPath, serve_metadata, http::Execution::kInline);
  std::string cache_control = "public, max-age=" + std::to_string(deps.jwks_max_age.count());
  router.add("GET", kJwksPath, [&deps, cache_control](const http::Request&, const http::PathParams&) {
    auto set = deps.ring.current();
    http::Response r;
    r.body = set->jwks_json();
    r.set("Content-Type", "application/jwk-set+json");
    r.set("Cache-Control", cache_control);
    r.set("Access-Control-Allow-Origin", "*");
    return r;
  }, http::Execution::kInline);
}

}  // namespace gatehouse::oidc
