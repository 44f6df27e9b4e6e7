// CAS proxying: a proxy-granting ticket delivered to the service's pgtUrl callback at validation
// (CAS Protocol 3.0 §2.5.4), and /cas/proxy, which turns it into a proxy ticket for another
// service (§2.7). The callback is a request to a URL a service chose: https only, the certificate
// verified, within deadlines, and only to addresses cas.proxy_callback_addresses allows
// (http::ClientOptions::allow_address), so no service can make a node call its internal hosts.
#include <spdlog/spdlog.h>

#include "cas/cas_front_door.hpp"
#include "cas/ticket_id.hpp"
#include "jose/openssl/crypto.hpp"
#include "oauth/form.hpp"

namespace gatehouse::cas {

Result<std::string, CasError> CasFrontDoor::grant_proxy(const ServiceRegistration& registration, const Ticket& t,
                                                        const std::string& pgt_url) const {
  if (deps_.pgts == nullptr || deps_.callbacks == nullptr || registration.proxy_callbacks.empty())
    return unexpected(CasError::kUnauthorizedServiceProxy);
  if (pgt_url.size() > kMaxServiceLength || !ServiceRegistry::proxy_callback_allowed(registration, pgt_url))
    return unexpected(CasError::kInvalidProxyCallback);
  const std::string pgt = new_ticket_id("PGT-");
  const std::string iou = new_ticket_id("PGTIOU-");
  const std::string separator = pgt_url.find('?') == std::string::npos ? "?" : "&";
  auto answer = deps_.callbacks->get(pgt_url + separator + "pgtIou=" + iou + "&pgtId=" + pgt, {});
  // §2.5.4: only a 200 delivers the ticket; anything else, a redirect included, is no delivery.
  if (!answer || answer->status != 200) {
    spdlog::warn("CAS proxy callback of {} failed: {}", registration.client_id,
                 answer ? "HTTP " + std::to_string(answer->status) : answer.error().message);
    return std::string();
  }
  std::vector<std::string> proxies{pgt_url};
  proxies.insert(proxies.end(), t.proxies.begin(), t.proxies.end());
  const auto now = deps_.clock.now();
  deps_.pgts->insert(ProxyGrantingTicket{.id_hash = jose::sha256(pgt),
                                         .client_id = registration.client_id,
                                         .user_id = t.user_id,
                                         .sign_in = t.sign_in,
                                         .proxies = std::move(proxies),
                                         .created_at = now,
                                         .expires_at = t.sign_in.auth_time + deps_.session_lifetime});
  return iou;
}

http::Response CasFrontDoor::proxy(const http::Request& request) const {
  auto q = oauth::parse_urlencoded(request.query);
  const Format format = q && q->value("format") == "JSON" ? Format::kJson : Format::kXml;
  if (!q) return proxy_failure(CasError::kInvalidRequest, "The request could not be read.", format);
  const std::string pgt = q->value("pgt");
  const std::string target = q->value("targetService");
  if (pgt.empty() || target.empty()) return proxy_failure(CasError::kInvalidRequest, "pgt and targetService are required.", format);
  if (deps_.pgts == nullptr) return proxy_failure(CasError::kUnauthorizedService, "Proxying is not enabled.", format);
  const auto now = deps_.clock.now();
  auto granting = pgt.starts_with("PGT-") && pgt.size() <= 256 ? deps_.pgts->find(jose::sha256(pgt), now) : std::nullopt;
  if (!granting) return proxy_failure(CasError::kInvalidTicket, "The proxy-granting ticket is not recognized.", format);
  // The application it was granted to must still be allowed to proxy (an administrator may have
  // removed its callbacks, or the application, since).
  if (auto owner = deps_.services.by_client(granting->client_id); !owner || owner->proxy_callbacks.empty())
    return proxy_failure(CasError::kUnauthorizedService, "The proxy-granting ticket's service may no longer proxy.", format);
  auto reg = target.size() <= kMaxServiceLength ? deps_.services.find(target) : nullptr;
  if (!reg) return proxy_failure(CasError::kUnauthorizedService, "The target service is not registered.", format);
  auto u = deps_.users.find(granting->user_id);
  if (!u || !u->active || granting->sign_in.auth_time < u->tokens_valid_after)
    return proxy_failure(CasError::kInvalidTicket, "The proxy-granting ticket's user can no longer sign in.", format);
  const std::string ticket = new_ticket_id("PT-");
  deps_.tickets.insert(Ticket{.id_hash = jose::sha256(ticket),
                              .kind = TicketKind::kProxy,
                              .service = target,
                              .client_id = reg->client_id,
                              .user_id = granting->user_id,
                              .sign_in = granting->sign_in,
                              .new_login = false,
                              .proxies = granting->proxies,
                              .created_at = now,
                              .expires_at = now + deps_.ticket_ttl});
  return proxy_success(ticket, format);
}

}  // namespace gatehouse::cas
