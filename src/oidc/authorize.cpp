#include "oidc/authorize.hpp"

#include <algorithm>
#include <array>

#include "client/client_metadata.hpp"
#include "core/log.hpp"
#include "jose/openssl/crypto.hpp"
#include "oauth/form.hpp"
#include "oauth/pkce.hpp"
#include "oidc/authorize/authorization_request.hpp"
#include "oidc/pages.hpp"
#include "oidc/web_assets.hpp"

namespace gatehouse::oidc {
namespace {

constexpr std::array<std::string_view, 5> kStandardScopes{"openid", "profile", "email", "phone", "offline_access"};
// Bounds on every request field a login transaction stores (and the answer echoes), so one row
// stays a few KB at most (RFC 6749 leaves their size open). client_id and redirect_uri are checked
// before they are verified, so their errors never redirect.
constexpr std::size_t kMaxClientId = 256;
constexpr std::size_t kMaxRedirectUri = 2048;
constexpr std::size_t kMaxState = 2048;
constexpr std::size_t kMaxNonce = 512;
constexpr std::size_t kMaxLoginHint = 256;
constexpr std::size_t kMaxScope = 2048;
constexpr std::size_t kMaxPrompt = 64;
constexpr std::string_view kInvalidCredentials = "Invalid username or password.";
constexpr std::string_view kLocked = "This account is temporarily locked after too many failed sign-ins. Try again later.";

// --- HTML ------------------------------------------------------------------------------------

constexpr std::string_view kHostPrefix = "__Host-";
constexpr std::string_view kSecurePrefix = "__Secure-";

// --- redirects -------------------------------------------------------------------------------

http::Response redirect(std::string_view redirect_uri, std::initializer_list<std::pair<std::string_view, std::string>> params) {
  std::string location(redirect_uri);
  char sep = location.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [name, value] : params) {
    if (value.empty()) continue;
    location += sep;
    location += name;
    location += '=';
    location += form_escape(value);
    sep = '&';
  }
  http::Response r;
  r.status = 302;
  r.set("Location", location);
  r.set("Cache-Control", "no-store");
  return r;
}

/// An error sent back to a verified redirect_uri (RFC 6749 §4.1.2.1, RFC 9207 iss).
http::Response redirect_error(const AuthorizeDeps& deps, const std::string& redirect_uri, const std::string& state,
                              std::string_view error, std::string_view description) {
  return redirect(redirect_uri, {{"error", std::string(error)},
                                 {"error_description", std::string(description)},
                                 {"state", state},
                                 {"iss", deps.issuer}});
}

// --- the pieces of a flow --------------------------------------------------------------------

/// Where the pending request's answer goes: its redirect_uri, or the client's only registered one
/// when the request had none (nullopt if that no longer holds).
std::optional<std::string> target_of(const AuthorizeDeps& deps, const AuthorizationRequest& tx) {
  if (!tx.redirect_uri.empty()) return tx.redirect_uri;
  auto c = deps.clients.find(tx.client_id);
  if (!c || c->redirect_uris.size() != 1) return std::nullopt;
  return c->redirect_uris.front();
}

/// Issues a code for the pending request and redirects to the client.
http::Response issue_code(const AuthorizeDeps& deps, const AuthorizationRequest& tx, const session::SsoSession& s) {
  const auto target = target_of(deps, tx);
  if (!target) return error_page(*theme_of(deps), 400, "invalid_request", "The application's redirect URIs changed; start again.");
  const auto now = deps.clock.now();
  auto value = jose::random_token(32);
  token::AuthorizationCode code;
  code.code_hash = jose::sha256(value);
  code.grant_id = jose::random_token(16);
  code.client_id = tx.client_id;
  code.redirect_uri = tx.redirect_uri;
  code.user_id = s.user_id;
  code.scope = tx.scope;
  code.nonce = tx.nonce;
  code.code_challenge = tx.code_challenge;
  code.code_challenge_method = tx.code_challenge_method;
  code.sid = s.sid;
  code.auth_time = s.auth_time;
  code.amr = s.amr;
  code.created_at = now;
  code.expires_at = now + deps.code_ttl;
  deps.codes.insert(code);
  return redirect(*target, {{"code", value}, {"state", tx.state}, {"iss", deps.issuer}});
}

http::Response login_form(const AuthorizeDeps& deps, const signin::SignInTransaction& tx, const std::string& csrf,
                          std::string_view username, std::string_view error) {
  std::string client_name = tx.service;
  if (auto c = deps.clients.find(tx.service); c && !c->client_name.empty()) client_name = c->client_name;
  std::string error_block;
  if (!error.empty()) error_block = "<p class=\"error\" id=\"error\" role=\"alert\">" + html_escape(error) + "</p>";
  return html_page(200, render(theme_of(deps)->login_html, {{"client_name", html_escape(client_name)},
                                              {"error_block", error_block},
                                              {"tx", html_escape(tx.id)},
                                              {"csrf", html_escape(csrf)},
                                              {"username", html_escape(username)}}));
}

CookieScope csrf_cookie_scope(const AuthorizeDeps& deps) { return cookie_scope(deps, kCsrfCookie, kCsrfCookiePath, true); }

/// The live SSO session of this browser, if any.
std::optional<session::SsoSession> current_session(const AuthorizeDeps& deps, const http::Request& request) {
  auto value = cookie_value(request, session_cookie_scope(deps).name);
  if (value.empty()) return std::nullopt;
  auto s = deps.sessions.find(jose::sha256(value), deps.clock.now(), deps.session_idle_timeout);
  if (!s) return std::nullopt;
  auto u = deps.users.find(s->user_id);
  if (!u || !u->active) return std::nullopt;
  const auto now = deps.clock.now();
  if (session::worth_touching(*s, now, deps.session_idle_timeout)) deps.sessions.touch(s->id_hash, now);
  return s;
}

}  // namespace

std::shared_ptr<const Theme> theme_of(const AuthorizeDeps& deps) {
  // Without a provider, the built-in theme itself (a non-owning pointer to the static).
  return deps.theme != nullptr ? deps.theme->current() : std::shared_ptr<const Theme>(std::shared_ptr<const Theme>(), &builtin_theme());
}

CookieScope cookie_scope(const AuthorizeDeps& deps, std::string_view name, std::string_view path, bool path_may_widen) {
  if (!deps.secure_cookies || name.starts_with(kHostPrefix) || name.starts_with(kSecurePrefix))
    return {std::string(name), std::string(path)};
  if (path == "/" || path_may_widen) return {std::string(kHostPrefix) + std::string(name), "/"};
  return {std::string(kSecurePrefix) + std::string(name), std::string(path)};
}

CookieScope session_cookie_scope(const AuthorizeDeps& deps) {
  return cookie_scope(deps, deps.session_cookie, deps.session_cookie_path, false);
}

std::string set_cookie(const AuthorizeDeps& deps, const CookieScope& scope, std::string_view value,
                       std::optional<UnixSeconds> max_age) {
  std::string c = scope.name + "=" + std::string(value) + "; Path=" + scope.path + "; HttpOnly; SameSite=Lax";
  if (deps.secure_cookies) c += "; Secure";
  if (max_age) c += "; Max-Age=" + std::to_string(*max_age);
  return c;
}

std::string cookie_value(const http::Request& request, std::string_view name) {
  for (const auto& h : request.headers) {
    if (h.name != "cookie") continue;
    std::string_view v = h.value;
    std::size_t start = 0;
    while (start < v.size()) {
      auto end = v.find(';', start);
      if (end == std::string_view::npos) end = v.size();
      auto pair = v.substr(start, end - start);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      auto eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
      start = end + 1;
    }
  }
  return {};
}

http::Response authorize_endpoint(const AuthorizeDeps& deps, const http::Request& request) {
  auto parsed = request.method == "POST" ? oauth::parse_form(request) : oauth::parse_urlencoded(request.query);
  if (!parsed) return error_page(*theme_of(deps), 400, "invalid_request", parsed.error().description);
  const auto& p = *parsed;
  // 1. The client and where to send it back: until both are verified, nothing redirects.
  const auto client_id = p.value("client_id");
  if (client_id.empty()) return error_page(*theme_of(deps), 400, "invalid_request", "The request has no client_id.");
  if (client_id.size() > kMaxClientId)
    return error_page(*theme_of(deps), 400, "invalid_request", "client_id is longer than " + std::to_string(kMaxClientId) + " bytes.");
  if (p.value("redirect_uri").size() > kMaxRedirectUri)
    return error_page(*theme_of(deps), 400, "invalid_request",
                      "redirect_uri is longer than " + std::to_string(kMaxRedirectUri) + " bytes.");
  auto c = deps.clients.find(client_id);
  if (!c) return error_page(*theme_of(deps), 400, "invalid_client", "The application is not known.");
  // redirect_uri may be left out only by a plain OAuth request of a client with exactly one
  // registered (RFC 6749 §3.1.2.3); OpenID Connect requires it (Core §3.1.2.1). A code issued
  // without it is not bound to one at the token endpoint (RFC 6749 §4.1.3).
  const auto requested_redirect_uri = p.value("redirect_uri");
  auto redirect_uri = requested_redirect_uri;
  if (redirect_uri.empty()) {
    const auto scope_words = split_words(p.value("scope"));
    if (std::find(scope_words.begin(), scope_words.end(), "openid") != scope_words.end())
      return error_page(*theme_of(deps), 400, "invalid_request", "The request has no redirect_uri (OpenID Connect requires one).");
    if (c->redirect_uris.size() != 1)
      return error_page(*theme_of(deps), 400, "invalid_request", "The request has no redirect_uri.");
    redirect_uri = c->redirect_uris.front();
  } else if (std::find(c->redirect_uris.begin(), c->redirect_uris.end(), redirect_uri) == c->redirect_uris.end()) {
    return error_page(*theme_of(deps), 400, "invalid_request", "The redirect_uri is not registered for this application.");
  }
  const auto state = p.value("state");
  auto fail = [&](std::string_view error, std::string_view description) {
    return redirect_error(deps, redirect_uri, state, error, description);
  };
  // 2. Bounds on what is kept in the store and echoed back. An over-long state is not echoed.
  if (state.size() > kMaxState)
    return redirect_error(deps, redirect_uri, {}, "invalid_request", "state is longer than " + std::to_string(kMaxState) + " bytes");
  for (const auto& [name, max] : {std::pair<std::string_view, std::size_t>{"nonce", kMaxNonce},
                                  {"login_hint", kMaxLoginHint},
                                  {"scope", kMaxScope},
                                  {"prompt", kMaxPrompt}}) {
    if (p.value(name).size() > max)
      return fail("invalid_request", std::string(name) + " is longer than " + std::to_string(max) + " bytes");
  }
  // 3. The request itself.
  if (!client::has_grant(*c, "authorization_code"))
    return fail("unauthorized_client", "this client may not use the authorization code flow");
  if (p.value("response_type") != "code") return fail("unsupported_response_type", "only response_type=code is supported");
  if (auto mode = p.value("response_mode"); !mode.empty() && mode != "query")
    return fail("invalid_request", "only response_mode=query is supported");
  auto scopes = client::split_scope(p.value("scope"));
  if (!scopes) return fail("invalid_scope", "the scope parameter is malformed");
  for (const auto& s : *scopes)
    if (std::find(kStandardScopes.begin(), kStandardScopes.end(), s) == kStandardScopes.end() &&
        std::find(c->scopes.begin(), c->scopes.end(), s) == c->scopes.end())
      return fail("invalid_scope", "scope '" + s + "' is not allowed for this client");
  const auto challenge = p.value("code_challenge");
  const auto method = p.value("code_challenge_method");
  if (!challenge.empty()) {
    if (method != "S256") return fail("invalid_request", "code_challenge_method must be S256");
    if (!oauth::valid_code_challenge(challenge)) return fail("invalid_request", "code_challenge is malformed");
  } else if (!method.empty()) {
    return fail("invalid_request", "code_challenge_method without code_challenge");
  } else if (c->token_endpoint_auth_method == "none") {
    return fail("invalid_request", "PKCE (code_challenge with S256) is required for public clients");
  } else if (deps.require_pkce) {
    return fail("invalid_request", "PKCE (code_challenge with S256) is required");
  }
  const auto prompt_values = split_words(p.value("prompt"));
  const bool prompt_none = std::find(prompt_values.begin(), prompt_values.end(), "none") != prompt_values.end();
  const bool prompt_login = std::find(prompt_values.begin(), prompt_values.end(), "login") != prompt_values.end();
  if (prompt_none && prompt_values.size() > 1) return fail("invalid_request", "prompt=none cannot be combined");
  std::optional<UnixSeconds> max_age;
  if (auto m = p.value("max_age"); !m.empty()) {
    if (m.size() > 9 || !std::all_of(m.begin(), m.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
      return fail("invalid_request", "max_age must be a non-negative integer");
    max_age = std::stoll(m);
  }
  const auto now = deps.clock.now();
  AuthorizationRequest tx;
  tx.client_id = c->client_id;
  tx.redirect_uri = requested_redirect_uri;  // "" = the client's only one, not bound to the code
  tx.response_type = "code";
  tx.response_mode = "query";
  tx.scope = client::join_scope(*scopes);
  tx.state = state;
  tx.nonce = p.value("nonce");
  tx.code_challenge = challenge;
  tx.code_challenge_method = challenge.empty() ? "" : "S256";
  tx.prompt = p.value("prompt");
  tx.login_hint = p.value("login_hint");
  tx.max_age = max_age;
  tx.acr_values = p.value("acr_values");
  // 4. A live SSO session answers without a form (unless the client asks for a fresh login).
  if (!prompt_login) {
    if (auto s = current_session(deps, request); s && (!max_age || now - s->auth_time <= *max_age))
      return issue_code(deps, tx, *s);
  }
  if (prompt_none) return fail("login_required", "the user is not signed in");
  // 5. Show the login form; the pending request waits in the store. Each one is a row, so an
  // address may start only so many per window (rate_limits.authorize_per_ip): anonymous requests
  // cannot grow the store without bound.
  if (deps.transaction_rate_limit) {
    if (auto wait = deps.transaction_rate_limit(request.client_address)) {
      auto r = error_page(*theme_of(deps), 429, "too_many_requests",
                          "Too many sign-ins were started from your network. Try again in " + std::to_string(*wait) + " seconds.");
      r.set("Retry-After", std::to_string(*wait));
      return r;
    }
  }
  // The CSRF token binds the form to this browser: one per browser (reused while its cookie
  // lives), so sign-ins running in two tabs do not invalidate each other. Only a token this
  // server issued is reused; a value the browser made up (or someone planted) gets a new one.
  const auto csrf_scope = csrf_cookie_scope(deps);
  auto csrf = cookie_value(request, csrf_scope.name);
  if (!valid_csrf_token(deps.csrf_key, kLoginCsrf, csrf)) csrf = issue_csrf_token(deps.csrf_key, kLoginCsrf);
  signin::SignInTransaction stx;
  stx.id = jose::random_token(24);
  stx.csrf_hash = jose::sha256(csrf);
  stx.continuation = {std::string(signin::kOidcKind), encode_request(tx)};
  stx.service = tx.client_id;
  stx.login_hint = tx.login_hint;
  stx.fresh = prompt_login;
  stx.max_age = max_age;
  stx.requested_acr = tx.acr_values;
  stx.created_at = now;
  stx.expires_at = now + deps.transaction_ttl;
  deps.transactions.insert(stx);
  auto r = login_form(deps, stx, csrf, tx.login_hint, {});
  r.set("Set-Cookie", set_cookie(deps, csrf_scope, csrf, deps.transaction_ttl));
  return r;
}

http::Response login_endpoint(const AuthorizeDeps& deps, const http::Request& request) {
  auto parsed = oauth::parse_form(request);
  if (!parsed) return error_page(*theme_of(deps), 400, "invalid_request", "The sign-in form could not be read.");
  const auto& form = *parsed;
  const auto now = deps.clock.now();
  auto tx = deps.transactions.find(form.value("tx"), now);
  if (!tx)
    return error_page(*theme_of(deps), 400, "expired", "This sign-in request has expired or was already completed. Go back to the application and start again.");
  // CSRF: the token in the form must be one this server issued, the one in this browser's
  // cookie, and the one the transaction was created with (so a form cannot be posted from another
  // browser or site).
  const auto csrf = form.value("csrf");
  const auto cookie = cookie_value(request, csrf_cookie_scope(deps).name);
  if (!valid_csrf_token(deps.csrf_key, kLoginCsrf, csrf) || cookie.empty() || !jose::constant_time_equal(csrf, cookie) ||
      !jose::constant_time_equal(jose::sha256(csrf), tx->csrf_hash))
    return error_page(*theme_of(deps), 400, "csrf", "The sign-in form is not valid (CSRF check failed). Go back to the application and start again.");
  // Before the password check: a limited attempt costs no argon2id.
  if (deps.login_rate_limit) {
    if (auto wait = deps.login_rate_limit(tx->service, request.client_address)) {
      auto r = error_page(*theme_of(deps), 429, "too_many_requests",
                          "Too many sign-in attempts. Try again in " + std::to_string(*wait) + " seconds.");
      r.set("Retry-After", std::to_string(*wait));
      return r;
    }
  }
  const auto username = form.value("username");
  const auto password = form.value("password");
  // Failures count per login name, known or not, so the lock message reveals no usernames; an
  // unknown user costs the same password check as a real one.
  const auto name = user::login_name(username);
  auto report = [&](std::string_view outcome, const std::string& user_id) {
    if (deps.on_sign_in) deps.on_sign_in(SignInEvent{outcome, user_id, name, tx->service, request.client_address});
  };
  if (deps.users.failed_logins(name).locked_until > now) {
    deps.passwords.verify_dummy(password);
    spdlog::info("sign-in refused: login name is locked");
    report("locked", {});
    return login_form(deps, *tx, csrf, username, kLocked);
  }
  auto u = deps.users.find_by_username(username);
  bool ok = false;
  if (u && u->active && !u->password_hash.empty()) ok = deps.passwords.verify(password, u->password_hash);
  else deps.passwords.verify_dummy(password);
  if (!ok) {
    auto f = deps.users.record_failed_login(name, now, deps.lockout_window, deps.lockout_threshold, deps.lockout_duration);
    spdlog::info("sign-in failed ({} in the window){}", f.count,
                 u && u->active ? "" : " for an unknown or inactive user");
    report(f.locked_until > now ? "lockout" : "failure", u && u->active ? u->id : std::string());
    return login_form(deps, *tx, csrf, username, f.locked_until > now ? kLocked : kInvalidCredentials);
  }
  deps.users.reset_failed_logins(name);
  if (deps.passwords.needs_rehash(u->password_hash)) {
    // The hash alone, and only while it is still the one just verified: a whole-row write from
    // this read could undo a deactivation or put back a password replaced meanwhile.
    deps.users.rehash_password(u->id, u->password_hash, deps.passwords.hash(password));
  }
  // Exactly one POST completes the transaction, even if the form is submitted twice.
  if (!deps.transactions.consume(tx->id))
    return error_page(*theme_of(deps), 400, "expired", "This sign-in request has expired or was already completed. Go back to the application and start again.");
  if (deps.transaction_finished) deps.transaction_finished(request.client_address);
  // A new session for a new sign-in: the one this browser had before (if any) ends.
  const auto session_scope = session_cookie_scope(deps);
  if (auto previous = cookie_value(request, session_scope.name); !previous.empty())
    if (auto old = deps.sessions.find(jose::sha256(previous), now, deps.session_lifetime)) deps.sessions.revoke_by_sid(old->sid);
  const auto value = jose::random_token(32);
  session::SsoSession s{jose::sha256(value), jose::random_token(16), u->id, now, "pwd", now, now, now + deps.session_lifetime};
  deps.sessions.insert(s);
  spdlog::info("user {} signed in (client {})", u->id, tx->service);
  report("success", u->id);
  auto request_of = decode_request(tx->continuation.payload);
  if (!request_of) return error_page(*theme_of(deps), 400, "invalid_request", "The sign-in request could not be read; start again.");
  auto r = issue_code(deps, *request_of, s);
  r.headers.push_back({"Set-Cookie", set_cookie(deps, session_scope, value, std::nullopt)});
  return r;
}

void add_authorize_routes(http::Router& router, const AuthorizeDeps& deps) {
  auto authorize = [&deps](const http::Request& r, const http::PathParams&) { return authorize_endpoint(deps, r); };
  router.add("GET", kAuthorizePath, authorize);
  router.add("POST", kAuthorizePath, authorize);
  router.add("POST", kLoginPath, [&deps](const http::Request& r, const http::PathParams&) { return login_endpoint(deps, r); });
  router.add(
      "GET", "/assets/style.css",
      [&deps](const http::Request&, const http::PathParams&) {
        http::Response r;
        r.body = theme_of(deps)->style_css;
        r.set("Content-Type", "text/css; charset=utf-8");
        // Short: a theme saved through the admin API reaches browsers within a minute.
        r.set("Cache-Control", "public, max-age=60");
        return r;
      },
      http::Execution::kInline);
}

}  // namespace gatehouse::oidc
