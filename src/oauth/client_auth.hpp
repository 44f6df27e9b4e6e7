#pragma once
// Client authentication at the token, introspection and revocation endpoints (RFC 6749 §2.3):
// client_secret_basic, client_secret_post and private_key_jwt (client_assertion.hpp), exactly one
// per request, and only the method the client registered.

#include "client/client.hpp"
#include "client/client_store.hpp"
#include "client/secret_hasher.hpp"
#include "core/secret.hpp"
#include "core/result.hpp"
#include "oauth/client_assertion.hpp"
#include "oauth/form.hpp"

namespace gatehouse::oauth {

/// A presented client secret or client assertion (RFC 7523): never logged.
using PresentedCredential = Secret<struct PresentedCredentialTag>;

/// The credentials a request presents, before they are checked.
struct PresentedClient {
  std::string method;     // client_secret_basic | client_secret_post | private_key_jwt | none
  std::string client_id;
  PresentedCredential secret;  // the client secret; for private_key_jwt the assertion; empty for none
};

/// How private_key_jwt assertions are checked, and where (the path of the endpoint called, one of
/// the audiences an assertion may name). Without a verifier, private_key_jwt is refused.
struct AssertionContext {
  const ClientAssertionVerifier* verifier = nullptr;
  std::string_view endpoint_path;
};

/// Reads the credentials. @returns invalid_request (two methods, two Authorization headers,
/// client_id differing from the Basic one, half of an assertion) or invalid_client (malformed
/// Basic, an assertion of another type or naming no client, a client_id that is not UTF-8 text
/// or holds a zero byte, none at all).
Result<PresentedClient, OAuthError> presented_credentials(const http::Request& request, const Form& form);

/// Checks presented credentials against the registered client (nullptr: no such client).
/// An unknown client still costs one HMAC. (Client ids are not secrets, RFC 6749 §2.2: the token
/// endpoint's fast path answers recently used clients sooner, which this does not try to hide.)
Result<void, OAuthError> verify_client(const PresentedClient& presented, const client::Client* registered,
                                       const client::SecretHasher& hasher, const AssertionContext& assertions = {});

/// presented_credentials + a store lookup + verify_client.
/// @returns the authenticated client, or invalid_request (two methods, malformed header) /
/// invalid_client (unknown client, wrong secret, wrong method, no credentials).
Result<client::Client, OAuthError> authenticate_client(const http::Request& request, const Form& form,
                                                      client::ClientStore& clients,
                                                      const client::SecretHasher& hasher,
                                                      const AssertionContext& assertions = {});

}  // namespace gatehouse::oauth
