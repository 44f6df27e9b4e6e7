#include "oauth/token/grant_table.hpp"

#include <algorithm>
#include <string>

#include "client/client_metadata.hpp"
#include "oauth/token/grants/client_credentials.hpp"

namespace gatehouse::oauth {

GrantTable::GrantTable() { add(client_credentials_grant()); }

void GrantTable::add(Grant grant) {
  auto same = std::find_if(grants_.begin(), grants_.end(), [&](const Grant& g) { return g.name == grant.name; });
  if (same != grants_.end()) *same = std::move(grant);
  else grants_.push_back(std::move(grant));
}

const Grant* GrantTable::find(std::string_view grant_type) const {
  for (const auto& g : grants_)
    if (g.name == grant_type) return &g;
  return nullptr;
}

GrantResult run_grant(const Grant* grant, std::string_view grant_type, const GrantRequest& request) {
  if (grant == nullptr)
    return unexpected(oauth_error(OAuthErrorCode::kUnsupportedGrantType,
                                  "grant_type '" + std::string(grant_type) + "' is not supported"));
  if (!client::has_grant(request.client, grant->name))
    return unexpected(oauth_error(OAuthErrorCode::kUnauthorizedClient,
                                  "this client may not use the " + std::string(grant->name) + " grant"));
  return grant->handle(request);
}

}  // namespace gatehouse::oauth
