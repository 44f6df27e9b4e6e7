#include "oidc/id_token.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "core/base64url.hpp"
#include "jose/openssl/crypto.hpp"
#include "user/profile_claims.hpp"

namespace gatehouse::oidc {
namespace {

namespace json = boost::json;

bool has(const std::vector<std::string>& scopes, std::string_view s) {
  return std::find(scopes.begin(), scopes.end(), s) != scopes.end();
}

void put(json::object& o, std::string_view name, const std::string& value) {
  if (!value.empty()) o[name] = value;
}

}  // namespace

json::object scope_claims(const user::User& u, const std::vector<std::string>& scopes) {
  json::object o{{"sub", u.id}};
  if (has(scopes, "profile")) {
    for (const auto& c : user::kProfileClaims) put(o, c.claim, u.*c.member);
    o["updated_at"] = u.updated_at;
  }
  if (has(scopes, "email") && !u.email.empty()) {
    o["email"] = u.email;
    o["email_verified"] = u.email_verified;
  }
  if (has(scopes, "phone") && !u.phone_number.empty()) {
    o["phone_number"] = u.phone_number;
    o["phone_number_verified"] = u.phone_number_verified;
  }
  // Not a standard scope: released to the applications registered with it (check_scope), as
  // Keycloak's and Okta's "groups" claim.
  if (has(scopes, "groups") && !u.groups.empty()) {
    json::array groups;
    for (const auto& g : u.groups) groups.emplace_back(g);
    o["groups"] = std::move(groups);
  }
  return o;
}

std::string left_half_hash(std::string_view value) {
  auto digest = jose::sha256(value);
  return base64url_encode(std::string_view(digest).substr(0, digest.size() / 2));
}

json::object id_token_claims(const IdTokenInput& in) {
  json::object o = in.user != nullptr ? scope_claims(*in.user, in.scopes) : json::object{};
  o["iss"] = in.issuer;
  o["aud"] = in.client_id;
  o["iat"] = in.issued_at;
  o["exp"] = in.issued_at + in.lifetime;
  o["auth_time"] = in.auth_time;
  put(o, "nonce", in.nonce);
  put(o, "sid", in.sid);
  put(o, "acr", in.acr);
  if (!in.amr.empty()) {
    json::array amr;
    for (const auto& m : in.amr) amr.emplace_back(m);
    o["amr"] = std::move(amr);
  }
  if (in.access_token) o["at_hash"] = left_half_hash(*in.access_token);
  return o;
}

}  // namespace gatehouse::oidc
