// Ticket validation: /cas/validate (CAS 1.0, §2.4), /cas/serviceValidate and /cas/proxyValidate
// (CAS 2.0, §2.5-§2.6) and their CAS 3.0 forms under /cas/p3/ with the released attributes
// (§2.7-§2.8). A ticket is spent by the first validation that names it, whatever its outcome
// (§3.1.1): one conditional statement in the shared store, so the same ticket validated on two
// nodes at once succeeds once.
#include <spdlog/spdlog.h>

#include "cas/cas_front_door.hpp"
#include "jose/openssl/crypto.hpp"
#include "oauth/form.hpp"
#include "signin/pages.hpp"
#include "user/profile_claims.hpp"

namespace gatehouse::cas {
namespace {

constexpr std::size_t kMaxTicketLength = 256;  // §3.1.1: at least 32 characters, at most 256 accepted

/// CAS 3.0 attributes: the authentication's own (as Apereo CAS names them), then the released ones.
std::vector<Attribute> attributes_of(const user::User& u, const Ticket& t, const ServiceRegistration& reg) {
  std::vector<Attribute> out{
      {"authenticationDate", {iso8601(t.sign_in.auth_time)}},
      {"isFromNewLogin", {t.new_login ? "true" : "false"}},
      {"longTermAuthenticationRequestTokenUsed", {"false"}},
      {"authenticationMethod", signin::split_words(t.sign_in.amr)},
  };
  for (const auto& name : reg.attributes)
    if (auto values = user::claim_values(u, name); !values.empty()) out.push_back({name, std::move(values)});
  return out;
}

}  // namespace

http::Response CasFrontDoor::validate(const http::Request& request, Endpoint endpoint, bool v3) const {
  auto q = oauth::parse_urlencoded(request.query);
  const Format format = q && q->value("format") == "JSON" && endpoint != Endpoint::kV1 ? Format::kJson : Format::kXml;
  auto fail = [&](CasError code, std::string_view message) {
    if (endpoint == Endpoint::kV1) return v1_response(nullptr);
    return failure_response(code, message, format);
  };
  if (!q) return fail(CasError::kInvalidRequest, "The request could not be read.");
  const std::string service = q->value("service");
  const std::string ticket = q->value("ticket");
  if (service.empty() || ticket.empty()) return fail(CasError::kInvalidRequest, "service and ticket are required.");
  const bool proxy_ticket = ticket.starts_with("PT-");
  if ((!ticket.starts_with("ST-") && !proxy_ticket) || ticket.size() > kMaxTicketLength)
    return fail(CasError::kInvalidTicket, "Ticket '" + ticket.substr(0, kMaxTicketLength) + "' not recognized.");
  const auto now = deps_.clock.now();
  // Spent now, whatever follows (§3.1.1, §3.2.1): a ticket is good for one validation attempt.
  const auto t = deps_.tickets.consume(jose::sha256(ticket), now);
  if (!t) return fail(CasError::kInvalidTicket, "Ticket '" + ticket + "' not recognized.");
  if (t->kind == TicketKind::kProxy && endpoint != Endpoint::kProxy)
    return fail(CasError::kInvalidTicketSpec, "A proxy ticket was given to service ticket validation; use proxyValidate.");
  if (t->service != service) return fail(CasError::kInvalidService, "The ticket was not issued for this service.");
  if (flag_set(*q, "renew") && !t->new_login)
    return fail(CasError::kInvalidTicket, "The ticket did not come from an initial login, and renew was requested.");
  auto reg = deps_.services.by_client(t->client_id);
  if (!reg) return fail(CasError::kInvalidService, "The service is no longer registered.");
  auto u = deps_.users.find(t->user_id);
  // Signed out everywhere (a password change, an administrator) after the sign-in behind the ticket.
  if (!u || !u->active || t->sign_in.auth_time < u->tokens_valid_after)
    return fail(CasError::kInvalidTicket, "The ticket's user can no longer sign in.");
  if (endpoint == Endpoint::kV1) return v1_response(&u->username);
  Success ok;
  if (const auto pgt_url = q->value("pgtUrl"); !pgt_url.empty()) {
    auto iou = grant_proxy(*reg, *t, pgt_url);
    if (!iou)
      return fail(iou.error(), iou.error() == CasError::kInvalidProxyCallback
                                   ? "The proxy callback is not an https URL this service registered."
                                   : "This service may not obtain proxy-granting tickets.");
    ok.pgt_iou = std::move(*iou);
  }
  ok.user = u->username;
  ok.with_attributes = v3;
  if (v3) ok.attributes = attributes_of(*u, *t, *reg);
  ok.proxies = t->proxies;
  return success_response(ok, format);
}

void add_cas_routes(http::Router& router, const CasFrontDoor& cas) {
  using Endpoint = CasFrontDoor::Endpoint;
  router.add("GET", kLoginPath, [&cas](const http::Request& r, const http::PathParams&) { return cas.login(r); });
  router.add("GET", kLogoutPath, [&cas](const http::Request& r, const http::PathParams&) { return cas.logout(r); });
  router.add("GET", "/cas/proxy", [&cas](const http::Request& r, const http::PathParams&) { return cas.proxy(r); });
  struct Route {
    std::string_view path;
    Endpoint endpoint;
    bool v3;
  };
  static constexpr Route kRoutes[] = {
      {"/cas/validate", Endpoint::kV1, false},          {"/cas/serviceValidate", Endpoint::kService, false},
      {"/cas/proxyValidate", Endpoint::kProxy, false},  {"/cas/p3/serviceValidate", Endpoint::kService, true},
      {"/cas/p3/proxyValidate", Endpoint::kProxy, true},
  };
  for (const auto& route : kRoutes)
    router.add("GET", route.path, [&cas, route](const http::Request& r, const http::PathParams&) {
      return cas.validate(r, route.endpoint, route.v3);
    });
  router.add(
      "GET", "/assets/cas-post.js",
      [](const http::Request&, const http::PathParams&) {
        http::Response r;
        r.body = "document.getElementById('cas-post').submit();\n";
        r.set("Content-Type", "text/javascript; charset=utf-8");
        r.set("Cache-Control", "public, max-age=3600");
        return r;
      },
      http::Execution::kInline);
}

}  // namespace gatehouse::cas
