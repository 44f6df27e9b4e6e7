#pragma once
// The UserInfo endpoint (OIDC Core §5.3): GET or POST with a bearer access token (RFC 6750 §2.1
// header, or §2.2 form body on POST); answers the claims the token's scopes release.

#include <string_view>

#include "http/router.hpp"
#include "oauth/oauth_error.hpp"
#include "token/access_token.hpp"
#include "token/revocation_store.hpp"
#include "user/user_store.hpp"

namespace gatehouse::oidc {

inline constexpr std::string_view kUserinfoPath = "/oauth2/userinfo";

struct UserinfoDeps {
  const token::AccessTokenCodec& tokens;
  token::RevocationStore& revocations;
  user::UserStore& users;
  const Clock& clock;
  /// Counts a request answered 503 because the store failed; empty: not counted.
  oauth::StoreFaultCounter count_store_fault = {};
};

http::Response userinfo_endpoint(const UserinfoDeps& deps, const http::Request& request);
void add_userinfo_routes(http::Router& router, const UserinfoDeps& deps);

}  // namespace gatehouse::oidc
