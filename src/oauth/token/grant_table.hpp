#pragma once
// The token endpoint's grant table (RFC 6749 §4): one entry per grant_type value. The endpoint
// authenticates the client, then hands the request to the entry its grant_type names; the table
// refuses what no entry serves and what the client is not registered for. client_credentials is
// built in; the grants that act for a user and issue ID tokens (authorization_code,
// refresh_token) live in oidc/grants/ and are added by the composition root, so oauth/ never
// depends on oidc/.

#include <functional>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "client/client.hpp"
#include "core/result.hpp"
#include "oauth/form.hpp"
#include "oauth/oauth_error.hpp"

namespace gatehouse::oauth {

struct OAuthDeps;

/// What a grant is given: the endpoint's dependencies, the authenticated client (registered for
/// this grant) and the request's parameters.
struct GrantRequest {
  const OAuthDeps& deps;
  const client::Client& client;
  const Form& form;
};

/// A successful token response's members (RFC 6749 §5.1), or the error (§5.2). The endpoint
/// turns either into the HTTP answer, in one place.
using GrantResult = Result<boost::json::object, OAuthError>;
using GrantHandler = std::function<GrantResult(const GrantRequest&)>;

struct Grant {
  std::string_view name;  ///< the grant_type value; static storage
  const char* kind;       ///< the request kind for stats (core/request_stats.hpp); static storage
  /// May run on the I/O thread's fast path: answers from memory, never touches the store or
  /// waits (the endpoint adds its own rule: only for a cheap signature).
  bool may_run_inline = false;
  GrantHandler handle;
};

class GrantTable {
 public:
  /// A table serving client_credentials (grants/client_credentials.cpp).
  GrantTable();
  /// Adds a grant, replacing one of the same name. Thread safety: before the server starts.
  void add(Grant grant);
  /// The entry for a grant_type value; nullptr if none serves it.
  const Grant* find(std::string_view grant_type) const;

 private:
  std::vector<Grant> grants_;
};

/// Runs `grant` for an authenticated client.
/// @returns unsupported_grant_type when `grant` is nullptr (`grant_type` names it), or
/// unauthorized_client when the client is not registered for the grant; otherwise the grant's own
/// answer.
GrantResult run_grant(const Grant* grant, std::string_view grant_type, const GrantRequest& request);

}  // namespace gatehouse::oauth
