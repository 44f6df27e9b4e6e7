#pragma once
// The CAS front door (CAS Protocol 3.0, Apereo): /cas/login hands a sign-in to the shared sign-in
// domain with a "cas" continuation and is resumed with a service ticket for the service; the SSO
// session is the ticket-granting ticket, so one sign-in serves OIDC clients and CAS services alike.
// Validation (validate.cpp) spends tickets in the shared ticket registry, so any node validates a
// ticket any other node issued.

#include <optional>
#include <string>
#include <string_view>

#include "cas/responses.hpp"
#include "cas/service_registry.hpp"
#include "cas/ticket_store.hpp"
#include "core/result.hpp"
#include "core/clock.hpp"
#include "http/client.hpp"
#include "http/router.hpp"
#include "oauth/form.hpp"
#include "signin/front_door.hpp"
#include "signin/sign_in.hpp"
#include "user/user_store.hpp"

namespace gatehouse::cas {

inline constexpr std::string_view kCasKind = "cas";
inline constexpr std::string_view kLoginPath = "/cas/login";
inline constexpr std::string_view kLogoutPath = "/cas/logout";

struct CasDeps {
  const signin::SignIn& sign_in;
  ServiceRegistry& services;
  TicketStore& tickets;
  user::UserStore& users;  // cached reads are fine: the user is read to answer a validation
  const Clock& clock;
  UnixSeconds ticket_ttl = 10;  // cas.ticket_ttl: service and proxy tickets
  /// Proxying (§2.5.4, §2.7): the proxy-granting tickets, and the client that calls the services'
  /// pgtUrl callbacks (https only, certificates verified, deadlines, allowed addresses only).
  /// Either nullptr: no proxying (a pgtUrl is refused with INVALID_PROXY_CALLBACK).
  ProxyGrantingTicketStore* pgts = nullptr;
  http::Client* callbacks = nullptr;
  UnixSeconds session_lifetime = 36000;  // a proxy-granting ticket ends with its session at the latest
  std::string issuer = "gatehouse";      // the Issuer of samlValidate's SAML 1.1 assertions (server.public_url)
};

class CasFrontDoor final : public signin::FrontDoor {
 public:
  explicit CasFrontDoor(const CasDeps& deps) : deps_(deps) {}

  std::string_view kind() const override { return kCasKind; }
  std::string display_name(std::string_view client_id) const override;
  std::optional<signin::MfaPolicy> mfa_policy(std::string_view client_id) const override;
  /// Issues the service ticket of the sign-in's request (its continuation) and sends the browser
  /// to the service with it.
  http::Response resume(const signin::SignInTransaction& tx, const session::SsoSession& session,
                        const http::Request& request) const override;

  /// GET /cas/login (CAS Protocol 3.0 §2.1).
  http::Response login(const http::Request& request) const;
  /// GET /cas/logout (§2.3).
  http::Response logout(const http::Request& request) const;
  /// /cas/validate (§2.4), /cas/serviceValidate, /cas/proxyValidate (§2.5, §2.6) and their /p3/
  /// forms (§2.7-§2.8, with attributes).
  enum class Endpoint { kV1, kService, kProxy };
  http::Response validate(const http::Request& request, Endpoint endpoint, bool v3) const;
  /// GET /cas/proxy (§2.7): a proxy ticket for targetService from a proxy-granting ticket.
  http::Response proxy(const http::Request& request) const;
  /// POST /cas/samlValidate?TARGET=service (§4.2): a SAML 1.1 Request in a SOAP envelope naming the
  /// ticket as its AssertionArtifact; answered with a SAML 1.1 Response (attributes included).
  http::Response saml_validate(const http::Request& request) const;

 private:
  /// A service ticket for `service` (matched to `registration`) from `session`, and the browser
  /// sent back to the service with it (a redirect, or an auto-submitted form for method=POST).
  http::Response issue(const ServiceRegistration& registration, const std::string& service, const std::string& method,
                       const session::SsoSession& session, bool new_login) const;
  http::Response error_page(int status, std::string_view message) const;
  /// A validated ticket: the ticket, its service's registration and its user.
  struct Checked {
    Ticket ticket;
    std::shared_ptr<const ServiceRegistration> registration;
    user::User user;
  };
  /// The checks every validation makes (§2.5.3): the ticket's shape, spent in the store (whatever
  /// follows), a proxy ticket only where allowed, issued for exactly `service`, from an initial
  /// login when `renew`, its service still registered, its user still able to sign in.
  Result<Checked, std::pair<CasError, std::string>> check_ticket(const std::string& ticket, const std::string& service,
                                                                 bool proxy_allowed, bool renew) const;
  /// §2.5.4: for a validated ticket `t` of `registration`, a proxy-granting ticket delivered to
  /// `pgt_url` with its IOU; the IOU, "" when the callback failed (the validation still succeeds
  /// without it), or the error when the service may not proxy or the URL is not allowed.
  Result<std::string, CasError> grant_proxy(const ServiceRegistration& registration, const Ticket& t,
                                            const std::string& pgt_url) const;
  const CasDeps& deps_;
};

/// "renew" and "gateway" (§2.1.1, §2.5.1) count as set when present with any value but "false".
bool flag_set(const oauth::Form& query, std::string_view name);

/// Registers /cas/login, /cas/logout and the validation endpoints.
void add_cas_routes(http::Router& router, const CasFrontDoor& cas);

}  // namespace gatehouse::cas
