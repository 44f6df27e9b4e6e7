// Ticket validation: /cas/validate (CAS 1.0, §2.4), /cas/serviceValidate and /cas/proxyValidate
// (CAS 2.0, §2.5-§2.6) and their CAS 3.0 forms under /cas/p3/ with the released attributes
// (§2.7-§2.8). A ticket is spent by the first validation that names it, whatever its outcome
// (§3.1.1): one conditional statement in the shared store, so the same ticket validated on two
// nodes at once succeeds once.
#include <spdlog/spdlog.h>

#include "cas/cas_front_door.hpp"
#include "jose/openssl/crypto.hpp"
#include "oauth/form.hpp"
#include "saml/xml.hpp"
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

Result<CasFrontDoor::Checked, std::pair<CasError, std::string>> CasFrontDoor::check_ticket(
    const std::string& ticket, const std::string& service, bool proxy_allowed, bool renew) const {
  using Failure = std::pair<CasError, std::string>;
  const bool proxy_ticket = ticket.starts_with("PT-");
  if ((!ticket.starts_with("ST-") && !proxy_ticket) || ticket.size() > kMaxTicketLength)
    return unexpected(Failure{CasError::kInvalidTicket, "Ticket '" + ticket.substr(0, kMaxTicketLength) + "' not recognized."});
  const auto now = deps_.clock.now();
  // Spent now, whatever follows (§3.1.1, §3.2.1): a ticket is good for one validation attempt.
  auto t = deps_.tickets.consume(jose::sha256(ticket), now);
  if (!t) return unexpected(Failure{CasError::kInvalidTicket, "Ticket '" + ticket + "' not recognized."});
  if (t->kind == TicketKind::kProxy && !proxy_allowed)
    return unexpected(Failure{CasError::kInvalidTicketSpec,
                              "A proxy ticket was given to service ticket validation; use proxyValidate."});
  if (t->service != service) return unexpected(Failure{CasError::kInvalidService, "The ticket was not issued for this service."});
  if (renew && !t->new_login)
    return unexpected(Failure{CasError::kInvalidTicket, "The ticket did not come from an initial login, and renew was requested."});
  auto reg = deps_.services.by_client(t->client_id);
  if (!reg) return unexpected(Failure{CasError::kInvalidService, "The service is no longer registered."});
  auto u = deps_.users.find(t->user_id);
  // Signed out everywhere (a password change, an administrator) after the sign-in behind the ticket.
  if (!u || !u->active || t->sign_in.auth_time < u->tokens_valid_after)
    return unexpected(Failure{CasError::kInvalidTicket, "The ticket's user can no longer sign in."});
  return Checked{std::move(*t), std::move(reg), std::move(*u)};
}

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
  auto checked = check_ticket(ticket, service, endpoint == Endpoint::kProxy, flag_set(*q, "renew"));
  if (!checked) return fail(checked.error().first, checked.error().second);
  const auto& [t, reg, u] = *checked;
  if (endpoint == Endpoint::kV1) return v1_response(&u.username);
  Success ok;
  if (const auto pgt_url = q->value("pgtUrl"); !pgt_url.empty()) {
    auto iou = grant_proxy(*reg, t, pgt_url);
    if (!iou)
      return fail(iou.error(), iou.error() == CasError::kInvalidProxyCallback
                                   ? "The proxy callback is not an https URL this service registered."
                                   : "This service may not obtain proxy-granting tickets.");
    ok.pgt_iou = std::move(*iou);
  }
  ok.user = u.username;
  ok.with_attributes = v3;
  if (v3) ok.attributes = attributes_of(u, t, *reg);
  ok.proxies = t.proxies;
  return success_response(ok, format);
}

namespace {

constexpr std::string_view kNsSoap = "http://schemas.xmlsoap.org/soap/envelope/";
constexpr std::string_view kNsSaml11Protocol = "urn:oasis:names:tc:SAML:1.0:protocol";
constexpr std::size_t kMaxSamlValidateBytes = 16 * 1024;

/// The SAML 1.1 answer of samlValidate in its SOAP envelope: `assertion` after the status;
/// InResponseTo the request's RequestID when it had one.
http::Response saml11_response(std::string_view target, std::string_view in_response_to, std::string_view status,
                               std::string_view message, std::string_view assertion, UnixSeconds now) {
  std::string body =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"" + std::string(kNsSoap) +
      "\"><SOAP-ENV:Header/><SOAP-ENV:Body><samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:1.0:protocol\" "
      "xmlns:saml=\"urn:oasis:names:tc:SAML:1.0:assertion\" IssueInstant=\"" + iso8601(now) +
      "\" MajorVersion=\"1\" MinorVersion=\"1\" Recipient=\"" + xml_escape(target) + "\" ResponseID=\"_" +
      jose::random_token(20) + "\"" + (in_response_to.empty() ? std::string() : " InResponseTo=\"" + xml_escape(in_response_to) + "\"") +
      "><samlp:Status><samlp:StatusCode Value=\"samlp:" + std::string(status) + "\"/>";
  if (!message.empty()) body += "<samlp:StatusMessage>" + xml_escape(message) + "</samlp:StatusMessage>";
  body += "</samlp:Status>" + std::string(assertion) + "</samlp:Response></SOAP-ENV:Body></SOAP-ENV:Envelope>";
  http::Response r;
  r.body = std::move(body);
  r.set("Content-Type", "text/xml; charset=utf-8");
  r.set("Cache-Control", "no-store");
  return r;
}

/// What a samlValidate request says: the ticket (the samlp:AssertionArtifact of the one
/// samlp:Request in the SOAP body; "" when the document is anything else) and its RequestID.
struct SamlRequest {
  std::string ticket;
  std::string request_id;
};
SamlRequest read_saml_request(std::string_view body) {
  auto doc = saml::parse(body, kMaxSamlValidateBytes);
  if (!doc || !saml::is_element(doc->root(), kNsSoap, "Envelope")) return {};
  auto soap_body = saml::exactly_one_child(doc->root(), kNsSoap, "Body");
  if (!soap_body) return {};
  auto request = saml::exactly_one_child(*soap_body, kNsSaml11Protocol, "Request");
  if (!request) return {};
  auto artifact = saml::exactly_one_child(*request, kNsSaml11Protocol, "AssertionArtifact");
  if (!artifact) return {};
  std::string id = saml::attribute(*request, "RequestID").value_or("");
  if (id.size() > 256) id.clear();
  return {saml::text(*artifact), std::move(id)};
}

/// The SAML 1.1 authentication method of a sign-in's amr (SAML 1.1 core §7.1).
std::string_view saml11_method(const std::string& amr) {
  if (signin::has_word(amr, signin::kAmrPassword)) return "urn:oasis:names:tc:SAML:1.0:am:password";
  if (signin::has_word(amr, signin::kAmrHardwareKey) || signin::has_word(amr, signin::kAmrSoftwareKey))
    return "urn:oasis:names:tc:SAML:1.0:am:HardwareToken";
  return "urn:oasis:names:tc:SAML:1.0:am:unspecified";
}

}  // namespace

http::Response CasFrontDoor::saml_validate(const http::Request& request) const {
  const auto now = deps_.clock.now();
  auto q = oauth::parse_urlencoded(request.query);
  const std::string target = q ? q->value("TARGET") : std::string();
  const auto [ticket, request_id] = read_saml_request(request.body);
  if (target.empty() || ticket.empty())
    return saml11_response(target, request_id, "Requester", "TARGET and one AssertionArtifact are required.", "", now);
  auto checked = check_ticket(ticket, target, false, q && flag_set(*q, "renew"));
  if (!checked) return saml11_response(target, request_id, "Responder", checked.error().second, "", now);
  const auto& [t, reg, u] = *checked;
  // The assertion (CAS Protocol 3.0 §4.2.3, SAML 1.1): the user, the released attributes, how
  // and when the person signed in; valid for the ticket's lifetime around now.
  const std::string subject = "<saml:Subject><saml:NameIdentifier>" + xml_escape(u.username) +
                              "</saml:NameIdentifier><saml:SubjectConfirmation><saml:ConfirmationMethod>"
                              "urn:oasis:names:tc:SAML:1.0:cm:artifact</saml:ConfirmationMethod>"
                              "</saml:SubjectConfirmation></saml:Subject>";
  std::string assertion = "<saml:Assertion AssertionID=\"_" + jose::random_token(20) + "\" IssueInstant=\"" +
                          iso8601(now) + "\" Issuer=\"" + xml_escape(deps_.issuer) +
                          "\" MajorVersion=\"1\" MinorVersion=\"1\"><saml:Conditions NotBefore=\"" +
                          iso8601(now - deps_.ticket_ttl) + "\" NotOnOrAfter=\"" + iso8601(now + deps_.ticket_ttl) +
                          "\"><saml:AudienceRestrictionCondition><saml:Audience>" + xml_escape(target) +
                          "</saml:Audience></saml:AudienceRestrictionCondition></saml:Conditions>";
  assertion += "<saml:AttributeStatement>" + subject;
  for (const auto& a : attributes_of(u, t, *reg)) {
    assertion += "<saml:Attribute AttributeName=\"" + xml_escape(a.name) +
                 "\" AttributeNamespace=\"http://www.ja-sig.org/products/cas/\">";
    for (const auto& v : a.values) assertion += "<saml:AttributeValue>" + xml_escape(v) + "</saml:AttributeValue>";
    assertion += "</saml:Attribute>";
  }
  assertion += "</saml:AttributeStatement><saml:AuthenticationStatement AuthenticationInstant=\"" +
               iso8601(t.sign_in.auth_time) + "\" AuthenticationMethod=\"" + std::string(saml11_method(t.sign_in.amr)) + "\">" +
               subject + "</saml:AuthenticationStatement></saml:Assertion>";
  return saml11_response(target, request_id, "Success", "", assertion, now);
}

void add_cas_routes(http::Router& router, const CasFrontDoor& cas) {
  router.add("POST", "/cas/samlValidate", [&cas](const http::Request& r, const http::PathParams&) { return cas.saml_validate(r); });
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
