#pragma once
// ID token claims (OpenID Connect Core 1.0 §2, §3.1.3.6) and the claims a scope releases (§5.4),
// shared by the ID token and the UserInfo endpoint. Building the claims is separate from signing.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "core/clock.hpp"
#include "user/user.hpp"

namespace gatehouse::oidc {

/// The user's claims released by the granted scopes: "sub" always; profile → name, given_name,
/// family_name, middle_name, nickname, preferred_username, picture, locale, updated_at;
/// email → email, email_verified; phone → phone_number, phone_number_verified; groups (a scope
/// of the applications registered with it) → groups, an array of names. Empty values are
/// left out (§5.3.2: claims without a value are omitted, not sent as "").
boost::json::object scope_claims(const user::User& user, const std::vector<std::string>& scopes);

/// at_hash / c_hash (§3.1.3.6, §3.3.2.11): base64url of the left half of SHA-256 of the ASCII
/// value — SHA-256 because every algorithm Gatehouse signs with (RS256, ES256) uses it.
std::string left_half_hash(std::string_view value);

struct IdTokenInput {
  std::string issuer;
  std::string client_id;                // the audience (and azp when there are several)
  const user::User* user = nullptr;
  std::vector<std::string> scopes;      // granted scopes; decide the user claims included
  std::string nonce;                    // from the authorization request; omitted when empty
  std::string sid;                      // the SSO session (OIDC Front/Back-Channel Logout)
  UnixSeconds auth_time = 0;
  std::vector<std::string> amr;
  std::string acr;                      // omitted when empty
  UnixSeconds issued_at = 0;
  UnixSeconds lifetime = 300;
  std::optional<std::string> access_token;  // issued alongside: adds at_hash
};

/// The claim set of an ID token.
boost::json::object id_token_claims(const IdTokenInput& in);

}  // namespace gatehouse::oidc
