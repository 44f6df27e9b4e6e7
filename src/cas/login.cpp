// /cas/login (CAS Protocol 3.0 §2.1), the front door's resume after the shared sign-in, ticket
// issuing, and /cas/logout (§2.3).
#include <algorithm>

#include <spdlog/spdlog.h>

#include "cas/cas_front_door.hpp"
#include "cas/single_logout.hpp"
#include "cas/ticket_id.hpp"
#include "http/message.hpp"
#include "jose/openssl/crypto.hpp"
#include "oauth/form.hpp"
#include "signin/cookies.hpp"
#include "signin/pages.hpp"

namespace gatehouse::cas {
namespace {

/// The continuation of a CAS sign-in: the response method, whether the person gives their primary
/// credentials (1; 0 for a step-up that asks only a second factor: not a new login for renew),
/// then the service URL.
std::string encode_continuation(std::string_view method, bool primary, std::string_view service) {
  return std::string(method) + (primary ? " 1 " : " 0 ") + std::string(service);
}
bool decode_continuation(std::string_view payload, std::string& method, bool& primary, std::string& service) {
  const auto space = payload.find(' ');
  if (space == std::string_view::npos || payload.size() < space + 3 || payload[space + 2] != ' ') return false;
  method = std::string(payload.substr(0, space));
  primary = payload[space + 1] == '1';
  service = std::string(payload.substr(space + 3));
  return method == "GET" || method == "POST";
}

/// `url` with `name=value` added to its query, before any fragment.
std::string with_parameter(const std::string& url, std::string_view name, std::string_view value) {
  const auto hash = url.find('#');
  std::string base = url.substr(0, hash);
  base += base.find('?') == std::string::npos ? '?' : '&';
  base += std::string(name) + "=" + http::percent_encode(value);
  if (hash != std::string::npos) base += url.substr(hash);
  return base;
}

http::Response redirect_to(const std::string& location) {
  http::Response r;
  r.status = 302;
  r.set("Location", location);
  r.set("Cache-Control", "no-store");
  return r;
}

/// method=POST (§2.1.1): the ticket goes to the service in a form the browser posts (by the
/// page's own script, or the button without JavaScript).
http::Response post_form(const std::string& service, std::string_view ticket) {
  const auto action = signin::html_escape(service);
  std::string body =
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Continue</title>"
      "<script src=\"/assets/cas-post.js\" defer></script></head><body>\n<form method=\"post\" action=\"" +
      action + "\" id=\"cas-post\">\n<input type=\"hidden\" name=\"ticket\" value=\"" + signin::html_escape(ticket) +
      "\">\n<button type=\"submit\">Continue</button>\n</form>\n</body></html>\n";
  auto r = signin::html_page(200, std::move(body));
  // The page posts to the service: its CSP allows that form target, by origin only (a registered
  // service has no spaces or controls, but a ';' in its path must not start another directive).
  const auto authority = service.find("://");
  const auto origin = service.substr(0, service.find_first_of("/?#;,'", authority + 3));
  r.set("Content-Security-Policy", "default-src 'self'; form-action " + origin + "; frame-ancestors 'none'");
  return r;
}

}  // namespace

bool flag_set(const oauth::Form& q, std::string_view name) {
  const auto* v = q.get(name);
  return v != nullptr && *v != "false";
}

std::string CasFrontDoor::display_name(std::string_view client_id) const {
  if (auto reg = deps_.services.by_client(client_id)) return reg->name;
  return client_id.empty() ? std::string("this site") : std::string(client_id);
}

std::optional<signin::MfaPolicy> CasFrontDoor::mfa_policy(std::string_view client_id) const {
  auto reg = deps_.services.by_client(client_id);
  if (!reg || reg->mfa_policy.empty()) return std::nullopt;
  return signin::parse_mfa_policy(reg->mfa_policy);
}

http::Response CasFrontDoor::error_page(int status, std::string_view message) const {
  return signin::error_page(*deps_.sign_in.theme(), status, "cas_error", message);
}

http::Response CasFrontDoor::issue(const ServiceRegistration& registration, const std::string& service,
                                   const std::string& method, const session::SsoSession& session, bool new_login) const {
  const auto now = deps_.clock.now();
  const std::string ticket = new_ticket_id("ST-");
  deps_.tickets.insert(Ticket{.id_hash = jose::sha256(ticket),
                              .kind = TicketKind::kService,
                              .service = service,
                              .client_id = registration.client_id,
                              .user_id = session.user_id,
                              .sign_in = {session.sid, session.auth_time, session.amr},
                              .new_login = new_login,
                              .created_at = now,
                              .expires_at = now + deps_.ticket_ttl});
  // The session records the service once (the SSO session is the CAS ticket-granting ticket), and
  // for single logout (cas_logout_url: the service asked for it) each ticket the service received:
  // clients key their own sessions by the ticket they validated. At most kMostSloTickets per
  // service and session, the latest kept out (a session row must stay small).
  deps_.sign_in.join(session, kCasKind, registration.client_id);
  if (!registration.logout_url.empty()) {
    constexpr std::size_t kMostSloTickets = 20;
    const auto recorded = std::count_if(session.participants.begin(), session.participants.end(), [&](const auto& p) {
      return p.protocol == kSloProtocol && p.service.starts_with(registration.client_id + " ");
    });
    if (static_cast<std::size_t>(recorded) < kMostSloTickets)
      deps_.sign_in.deps().sessions.add_participant(
          session.id_hash, {std::string(kSloProtocol), registration.client_id + " " + ticket, now, ticket + " " + registration.logout_url});
  }
  if (method == "POST") return post_form(service, ticket);
  return redirect_to(with_parameter(service, "ticket", ticket));
}

http::Response CasFrontDoor::login(const http::Request& request) const {
  auto q = oauth::parse_urlencoded(request.query);
  if (!q) return error_page(400, "The sign-in request could not be read.");
  const std::string service = q->value("service");
  std::string method = q->value("method");
  if (method.empty()) method = "GET";
  if (method != "GET" && method != "POST") return error_page(400, "The response method must be GET or POST.");
  const bool renew = flag_set(*q, "renew");
  const bool gateway = !renew && flag_set(*q, "gateway");  // §2.1.1: renew wins over gateway
  auto session = deps_.sign_in.current_session(request);
  std::shared_ptr<const ServiceRegistration> reg;
  if (!service.empty()) {
    if (service.size() > kMaxServiceLength) return error_page(400, "The service address is too long.");
    reg = deps_.services.find(service);
    if (!reg) return error_page(403, "This application is not allowed to use this sign-in service.");
  }
  if (session && !renew) {
    if (!reg) return signin::error_page(*deps_.sign_in.theme(), 200, "signed_in", "You are signed in.", "Signed in");
    if (reg->sso && deps_.sign_in.satisfies(*session, kCasKind, reg->client_id, ""))
      return issue(*reg, service, method, *session, false);
  }
  // §2.1.1 gateway: never a form; back to the service without a ticket.
  if (gateway) return reg ? redirect_to(service) : error_page(400, "gateway needs a service.");
  signin::SignInTransaction tx;
  tx.service = reg ? reg->client_id : std::string();
  tx.fresh = renew || (reg && !reg->sso);
  const bool step_up = session && !tx.fresh;
  if (step_up) {
    // A session without the second factor this service requires: only that factor is asked.
    tx.user_id = session->user_id;
    tx.amr = session->amr;
  }
  tx.continuation = {std::string(kCasKind), encode_continuation(method, !step_up, service)};
  return deps_.sign_in.start(std::move(tx), request);
}

http::Response CasFrontDoor::resume(const signin::SignInTransaction& tx, const session::SsoSession& session,
                                    const http::Request&) const {
  std::string method;
  bool primary = true;
  std::string service;
  if (!decode_continuation(tx.continuation.payload, method, primary, service))
    return error_page(400, "The sign-in request could not be read; start again.");
  if (service.empty()) return signin::error_page(*deps_.sign_in.theme(), 200, "signed_in", "You are signed in.", "Signed in");
  // The registry may have changed during the sign-in: the service must still be the client's.
  auto reg = deps_.services.find(service);
  if (!reg || reg->client_id != tx.service) return error_page(403, "This application is not allowed to use this sign-in service.");
  return issue(*reg, service, method, session, primary);
}

http::Response CasFrontDoor::logout(const http::Request& request) const {
  const auto& sign_in = deps_.sign_in.deps();
  auto s = deps_.sign_in.current_session(request);
  if (s) {
    // A logout: single logouts and the session's proxy-granting tickets (§3.3) follow
    // (signin::LogoutSessions, which every session end of the node goes through).
    // Ended meanwhile elsewhere (a double submit, an administrator): its SPs that only the browser
    // reaches are still told below; a LogoutRequest for an ended session does no harm.
    if (sign_in.sessions.revoke_by_sid(s->sid)) spdlog::info("user {} signed out (session {})", s->user_id, s->sid);
  }
  auto q = oauth::parse_urlencoded(request.query);
  std::string service = q ? q->value("service") : std::string();
  // §2.3.1: back to the service only when it is a registered one (no open redirect).
  if (service.size() > kMaxServiceLength || !deps_.services.find(service)) service.clear();
  // SAML SPs that only the browser reaches are told on the way (front channel), then the service.
  auto through = s ? deps_.sign_in.logout_through_browser(*s, service) : std::nullopt;
  http::Response r;
  if (through) {
    r = std::move(*through);
  } else if (!service.empty()) {
    r = redirect_to(service);
  } else {
    r = signin::error_page(*deps_.sign_in.theme(), 200, "signed_out", "You are signed out.", "Signed out");
  }
  r.headers.push_back({"Set-Cookie", signin::set_cookie(sign_in.cookies, signin::session_cookie_scope(sign_in.cookies), "", 0)});
  return r;
}

}  // namespace gatehouse::cas
