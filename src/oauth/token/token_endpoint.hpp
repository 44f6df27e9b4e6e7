#pragma once
// The token endpoint (RFC 6749 §3.2) as an ordered list of steps over one TokenRequest:
//   1. read the request once: the form and its grant_type (and the entry of the grant table it names)
//   2. the limits counted before the credentials are read (per address; failed authentications)
//   3. the credentials the request presents (RFC 6749 §2.3)
//   4. the registered client: from the near-cache on the I/O thread, from the store on a worker
//   5. verify the credentials against it; 6. the client's own limit
//   7. run the grant (grant_table.hpp) and answer: tokens, or the OAuth error, in one place.
// Steps 1 and 3 run on the I/O thread first (the fast path); when the request needs a worker
// (a limit is configured, a cold client, a costly signature, private_key_jwt's replay check),
// the TokenRequest read so far travels to the worker in the request's continuation, so nothing
// is parsed twice.

#include <optional>

#include "http/router.hpp"
#include "oauth/client_auth.hpp"
#include "oauth/endpoints.hpp"

namespace gatehouse::oauth {

/// A token request as read once, on the I/O thread or on a worker, never on both.
struct TokenRequest {
  Form form;
  /// The entry grant_type names; nullptr: a grant type not served (refused once the client has
  /// authenticated, RFC 6749 §5.2). Points into OAuthDeps::grants, which outlives every request.
  const Grant* grant = nullptr;
  /// The credentials, once read. The I/O thread reads them only when no rate limit is configured:
  /// the limits of step 2 are checked before the credentials are read.
  std::optional<PresentedClient> presented;
};

/// Step 1. @returns invalid_request when the body is not a well-formed form or has no grant_type.
Result<TokenRequest, OAuthError> read_token_request(const GrantTable& grants, const http::Request& request);

/// The token endpoint on a worker, from the start.
http::Response token_endpoint(const OAuthDeps& deps, const http::Request& request);
/// The token endpoint on the I/O thread: answers when the client is in the near-cache and its
/// grant may run inline with a cheap signature (ES256, tens of microseconds); otherwise hands the
/// request to a worker with a continuation owning the TokenRequest (or, for a body too large to
/// read here, without one). RS256 (about a millisecond per signature) always goes to the workers
/// so an I/O thread never stalls its other connections. Never touches the store.
http::FastPathResult token_endpoint_fast_path(const OAuthDeps& deps, const http::Request& request);

/// Registers POST /oauth2/token with its fast path. `deps` must outlive the router.
void add_token_routes(http::Router& router, const OAuthDeps& deps);

}  // namespace gatehouse::oauth
