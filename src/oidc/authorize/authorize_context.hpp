#pragma once
// The authorization endpoint (RFC 6749 §4.1, OpenID Connect Core §3.1.2) as an ordered list of
// named steps over one AuthorizeContext (STYLE C5; node-oidc-provider's lib/actions/authorization).
// Each step checks one thing and either fills the context or returns an OAuthError; the table in
// authorize_endpoint.cpp is the order, and doubles as the checklist against the specifications.
//
// Until check_redirect_uri has verified the client and its redirect_uri, errors are shown on an
// error page and never redirected (RFC 6749 §4.1.2.1; may_redirect false); after that they go
// back to the client with state and iss (RFC 9207).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/client_store.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "http/message.hpp"
#include "oauth/form.hpp"
#include "oauth/oauth_error.hpp"
#include "oidc/authorize/authorization_request.hpp"
#include "session/sso_session_store.hpp"
#include "signin/sign_in.hpp"
#include "token/code_store.hpp"

namespace gatehouse::oidc {

inline constexpr std::string_view kAuthorizePath = "/oauth2/authorize";

struct AuthorizeDeps {
  client::ClientStore& clients;
  token::CodeStore& codes;
  const Clock& clock;
  const signin::SignIn& sign_in;  // sessions, the login page, cookies, theme
  std::string issuer;
  UnixSeconds code_ttl = 60;
  bool require_pkce = false;  // PKCE for every client, not only public ones
  /// Counts a request answered temporarily_unavailable because the store failed; empty: not counted.
  oauth::StoreFaultCounter count_store_fault = {};
};

struct AuthorizeContext {
  const AuthorizeDeps& deps;
  const http::Request& http;
  oauth::Form params;
  std::optional<client::Client> client;     // check_client
  std::string redirect_uri;                 // check_redirect_uri: where answers go (verified)
  std::string state;                        // echoed in redirects; cleared when over-long
  AuthorizationRequest request;             // what a code is issued for, filled step by step
  std::vector<std::string> scopes;          // check_scope
  bool prompt_none = false;                 // check_prompt
  bool prompt_login = false;
  std::optional<session::SsoSession> session;  // load_session: a live one that may answer
  std::optional<session::SsoSession> step_up;  // load_session: a live one that lacks the second factor asked for
  std::optional<http::Response> response;   // set by the step that answers; later steps do not run
};

using StepResult = Result<void, oauth::OAuthError>;
using StepFn = StepResult (*)(AuthorizeContext&);
struct Step {
  std::string_view name;
  StepFn run;
};

inline StepResult step_ok() { return {}; }
/// An error after the redirect_uri is verified: goes back to the client.
inline StepResult redirect_error(oauth::OAuthErrorCode code, std::string description) {
  return unexpected(oauth::oauth_error(code, std::move(description)));
}
/// An error before it is: shown on the error page.
inline StepResult page_error(oauth::OAuthErrorCode code, std::string description) {
  return unexpected(oauth::local_oauth_error(code, std::move(description)));
}

// The steps, in the order authorize_endpoint.cpp runs them (one file each).
StepResult check_client(AuthorizeContext& ctx);
StepResult check_redirect_uri(AuthorizeContext& ctx);
StepResult check_request_bounds(AuthorizeContext& ctx);
StepResult check_response_type(AuthorizeContext& ctx);
StepResult check_scope(AuthorizeContext& ctx);
StepResult check_pkce(AuthorizeContext& ctx);
StepResult check_prompt(AuthorizeContext& ctx);
StepResult load_session(AuthorizeContext& ctx);
StepResult issue_code(AuthorizeContext& ctx);
StepResult start_sign_in(AuthorizeContext& ctx);

/// The one place an OAuthError of this endpoint becomes an answer: the error page (400) when it
/// may not be redirected, else a redirect to the verified redirect_uri with error,
/// error_description, state (unless over-long) and iss.
http::Response error_response(const AuthorizeContext& ctx, const oauth::OAuthError& error);

/// Issues a code for `request` to the user of `session` and redirects to the client (shared by
/// the issue_code step and the front door's resume after a sign-in).
http::Response code_redirect(const AuthorizeDeps& deps, const AuthorizationRequest& request,
                             const session::SsoSession& session);

/// The location `redirect_uri` with `params` appended (empty values left out), as a 302.
http::Response redirect(std::string_view redirect_uri, std::initializer_list<std::pair<std::string_view, std::string>> params);

}  // namespace gatehouse::oidc
