#include "oidc/grants/user_grants.hpp"

namespace gatehouse::oidc {

void add_user_grants(oauth::GrantTable& grants, const UserGrantDeps& deps) {
  // Both read and write the store: never on the I/O thread.
  grants.add({"authorization_code", "POST /oauth2/token (authorization_code)", false,
              [&deps](const oauth::GrantRequest& r) { return authorization_code_grant(deps, r); }});
  grants.add({"refresh_token", "POST /oauth2/token (refresh_token)", false,
              [&deps](const oauth::GrantRequest& r) { return refresh_token_grant(deps, r); }});
}

}  // namespace gatehouse::oidc
