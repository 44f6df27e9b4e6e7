#include "oauth/client_auth.hpp"

#include "core/base64url.hpp"
#include "core/utf8.hpp"
#include "http/router.hpp"

namespace gatehouse::oauth {
namespace {

OAuthError invalid_client(bool basic, std::string detail) {
  auto e = oauth_error(OAuthErrorCode::kInvalidClient, "client authentication failed", std::move(detail));
  e.basic_attempted = basic;
  return e;
}

Result<PresentedClient, OAuthError> read_credentials(const http::Request& request, const Form& form);

}  // namespace

Result<PresentedClient, OAuthError> presented_credentials(const http::Request& request, const Form& form) {
  auto presented = read_credentials(request, form);
  // Checked before any store sees the id: PostgreSQL refuses other bytes in a text parameter.
  if (presented && !is_utf8_text(presented->client_id))
    return unexpected(invalid_client(presented->method == "client_secret_basic", "client_id is not UTF-8 text"));
  return presented;
}

namespace {

Result<PresentedClient, OAuthError> read_credentials(const http::Request& request, const Form& form) {
  const auto* authorization = request.header("authorization");
  const auto* body_id = form.get("client_id");
  const auto* body_secret = form.get("client_secret");
  const auto* assertion_type = form.get("client_assertion_type");
  const auto* assertion = form.get("client_assertion");
  if (request.header_count("authorization") > 1)
    return unexpected(oauth_error(OAuthErrorCode::kInvalidRequest, "more than one Authorization header"));
  if (assertion_type != nullptr || assertion != nullptr) {
    // RFC 7521 §4.2: both parameters, and no other credentials beside them.
    if (authorization != nullptr || body_secret != nullptr)
      return unexpected(oauth_error(OAuthErrorCode::kInvalidRequest,
                                    "use exactly one client authentication method (RFC 6749 section 2.3)"));
    if (assertion_type == nullptr || assertion == nullptr)
      return unexpected(oauth_error(OAuthErrorCode::kInvalidRequest,
                                    "client_assertion and client_assertion_type go together (RFC 7521 section 4.2)"));
    if (*assertion_type != kJwtBearerAssertionType)
      return unexpected(invalid_client(false, "client_assertion_type must be " + std::string(kJwtBearerAssertionType)));
    auto named = assertion_client_id(*assertion);
    if (!named) return unexpected(invalid_client(false, "client_assertion is not a JWT naming its client"));
    if (body_id != nullptr && *body_id != *named)
      return unexpected(invalid_client(false, "client_id differs from the client the assertion names"));
    return PresentedClient{"private_key_jwt", std::move(*named), PresentedCredential(*assertion)};
  }
  if (authorization != nullptr) {
    std::string_view value = *authorization;
    if (value.size() < 6 || http::ascii_lower(value.substr(0, 6)) != "basic ")
      return unexpected(invalid_client(false, "unsupported Authorization scheme"));
    if (body_secret != nullptr)
      return unexpected(oauth_error(OAuthErrorCode::kInvalidRequest,
                                    "use exactly one client authentication method (RFC 6749 section 2.3)"));
    value.remove_prefix(6);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    auto decoded = base64_decode(value);
    if (!decoded) return unexpected(invalid_client(true, "Basic credentials are not base64"));
    auto colon = decoded->find(':');
    if (colon == std::string::npos) return unexpected(invalid_client(true, "Basic credentials have no ':'"));
    // RFC 6749 §2.3.1: the id and secret are form-urlencoded before Basic encoding.
    PresentedClient p{"client_secret_basic", {}, {}};
    std::string secret;
    if (!http::percent_decode(std::string_view(*decoded).substr(0, colon), p.client_id, true) ||
        !http::percent_decode(std::string_view(*decoded).substr(colon + 1), secret, true))
      return unexpected(invalid_client(true, "Basic credentials are not form-urlencoded"));
    p.secret = PresentedCredential(std::move(secret));
    if (body_id != nullptr && *body_id != p.client_id)
      return unexpected(oauth_error(OAuthErrorCode::kInvalidRequest, "client_id differs from the authenticated client"));
    return p;
  }
  if (body_secret != nullptr) {
    if (body_id == nullptr) return unexpected(invalid_client(false, "client_secret without client_id"));
    return PresentedClient{"client_secret_post", *body_id, PresentedCredential(*body_secret)};
  }
  if (body_id != nullptr) return PresentedClient{"none", *body_id, {}};
  return unexpected(invalid_client(false, "no client authentication"));
}

}  // namespace

Result<void, OAuthError> verify_client(const PresentedClient& presented, const client::Client* registered,
                                       const client::SecretHasher& hasher, const AssertionContext& assertions) {
  const bool basic = presented.method == "client_secret_basic";
  if (presented.method == "private_key_jwt") {
    if (registered == nullptr) return unexpected(invalid_client(false, "unknown client"));
    if (registered->token_endpoint_auth_method != "private_key_jwt")
      return unexpected(invalid_client(false, "client " + registered->client_id + " is registered for " +
                                                  registered->token_endpoint_auth_method + ", not private_key_jwt"));
    if (assertions.verifier == nullptr) return unexpected(invalid_client(false, "private_key_jwt is not enabled here"));
    auto checked = assertions.verifier->verify(presented.secret.reveal(), *registered, assertions.endpoint_path);
    if (!checked) return unexpected(invalid_client(false, checked.error()));
    return {};
  }
  if (registered == nullptr) {
    (void)hasher.matches(presented.secret.reveal(), std::string(32, '\0'));  // same work as a real check
    return unexpected(invalid_client(basic, "unknown client"));
  }
  if (presented.method == "none") {
    // Public clients authenticate with nothing; confidential clients must present their secret.
    if (registered->token_endpoint_auth_method != "none") return unexpected(invalid_client(false, "client secret missing"));
    return {};
  }
  if (!hasher.matches(presented.secret.reveal(), registered->secret_hash))
    return unexpected(invalid_client(basic, "wrong client secret for " + registered->client_id));
  if (registered->token_endpoint_auth_method != presented.method)
    return unexpected(invalid_client(basic, "client " + registered->client_id + " is registered for " +
                                                registered->token_endpoint_auth_method + ", not " + presented.method));
  return {};
}

Result<client::Client, OAuthError> authenticate_client(const http::Request& request, const Form& form,
                                                      client::ClientStore& clients,
                                                      const client::SecretHasher& hasher,
                                                      const AssertionContext& assertions) {
  auto presented = presented_credentials(request, form);
  if (!presented) return unexpected(presented.error());
  auto found = clients.find(presented->client_id);
  auto verified = verify_client(*presented, found ? &*found : nullptr, hasher, assertions);
  if (!verified) return unexpected(verified.error());
  return std::move(*found);
}

}  // namespace gatehouse::oauth
