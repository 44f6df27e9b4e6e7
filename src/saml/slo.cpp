// /saml/slo: the Single Logout profile (SAML profiles §4.4) at the IdP.
// - An SP's LogoutRequest by HTTP-Redirect or HTTP-POST (the browser is there): checked, its
//   session ended on every node (signin::LogoutSessions: CAS services and SOAP-capable SAML SPs
//   are told by the back channel), then the SPs of that session reachable only through the browser
//   are sent a LogoutRequest one after the other, and finally the SP that asked gets its
//   LogoutResponse (PartialLogout nested when some SP did not confirm).
// - An SP's LogoutResponse by Redirect or POST: the next step of such a chain. The chain's state is
//   in the shared store (the ArtifactStore: single use, bound to the SP asked, short lived), named
//   by the RelayState sent with each request, so the browser may come back to any node.
// - An SP's LogoutRequest by SOAP: the session named by its SessionIndex (or by its persistent
//   NameID) ended; the LogoutResponse answers at once.
// Every LogoutRequest and LogoutResponse must be signed by the SP (profiles §4.4.4.1, saml2int).
#include <algorithm>
#include <cctype>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "core/base64url.hpp"
#include "jose/openssl/crypto.hpp"
#include "saml/binding.hpp"
#include "saml/dsig.hpp"
#include "saml/encoding.hpp"
#include "saml/front_door.hpp"
#include "saml/logout.hpp"
#include "saml/protocol.hpp"
#include "saml/redirect_signature.hpp"
#include "saml/single_logout.hpp"
#include "saml/soap.hpp"
#include "signin/cookies.hpp"
#include "signin/pages.hpp"

namespace gatehouse::saml {

/// A front-channel logout in progress: who asked (answered at the end), the SP asked now, and the
/// SPs still to ask.
struct LogoutChain {
  std::string origin_client;      ///< "" when the IdP started it
  std::string origin_request_id;
  std::string origin_relay_state;
  std::string origin_binding;     ///< kBindingRedirect or kBindingPost: how the origin's request came
  bool partial = false;           ///< an SP could not be asked or did not confirm
  std::string current_client;
  std::string current_request_id;
  std::vector<SloTarget> remaining;
  std::string then;               ///< no origin: where the browser goes at the end ("" the signed-out page)
};

namespace {

constexpr std::size_t kMostChained = 30;  // SPs asked through one browser, at most

std::string chain_key(std::string_view handle) { return jose::sha256("saml logout\n" + std::string(handle)); }

std::string encode_chain(const LogoutChain& c) {
  boost::json::array remaining;
  for (const auto& t : c.remaining) remaining.push_back(boost::json::array{t.client_id, t.session_index, t.nameid_format, t.nameid});
  return boost::json::serialize(boost::json::object{{"oc", c.origin_client},
                                                    {"oi", c.origin_request_id},
                                                    {"or", c.origin_relay_state},
                                                    {"ob", c.origin_binding},
                                                    {"p", c.partial},
                                                    {"cc", c.current_client},
                                                    {"ci", c.current_request_id},
                                                    {"r", std::move(remaining)},
                                                    {"t", c.then}});
}

std::optional<LogoutChain> decode_chain(std::string_view text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  LogoutChain c;
  for (auto [name, out] : {std::pair{"oc", &c.origin_client}, std::pair{"oi", &c.origin_request_id},
                           std::pair{"or", &c.origin_relay_state}, std::pair{"ob", &c.origin_binding},
                           std::pair{"cc", &c.current_client}, std::pair{"ci", &c.current_request_id}}) {
    const auto* s = o.if_contains(name);
    if (s == nullptr || !s->is_string()) return std::nullopt;
    *out = std::string(s->get_string());
  }
  const auto* p = o.if_contains("p");
  const auto* r = o.if_contains("r");
  if (p == nullptr || !p->is_bool() || r == nullptr || !r->is_array()) return std::nullopt;
  c.partial = p->get_bool();
  if (const auto* t = o.if_contains("t"); t != nullptr && t->is_string()) c.then = std::string(t->get_string());
  for (const auto& t : r->get_array()) {
    if (!t.is_array() || t.get_array().size() != 4) return std::nullopt;
    std::array<std::string, 4> f;
    for (std::size_t i = 0; i < 4; ++i) {
      if (!t.get_array()[i].is_string()) return std::nullopt;
      f[i] = std::string(t.get_array()[i].get_string());
    }
    c.remaining.push_back({f[0], f[1], f[2], f[3]});
  }
  return c;
}

bool is_soap(const http::Request& request) {
  const auto* type = request.header("content-type");
  if (type == nullptr) return false;
  std::string lower(type->substr(0, 32));
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.starts_with("text/xml") || lower.starts_with("application/soap+xml");
}

/// The SP's front-channel SingleLogoutService: the one of `preferred` binding, else Redirect, else POST.
const SingleLogoutService* front_channel_service(const SpRegistration& sp, std::string_view preferred) {
  if (const auto* s = logout_service(sp, preferred)) return s;
  if (const auto* s = logout_service(sp, kBindingRedirect)) return s;
  return logout_service(sp, kBindingPost);
}

/// Whether `sp` is told of a logout only through a browser: no SOAP SingleLogoutService (that one
/// the back channel reaches), and a Redirect or POST one.
bool browser_only(const SpRegistration& sp) {
  return logout_service(sp, kBindingSoap) == nullptr && front_channel_service(sp, kBindingRedirect) != nullptr;
}

}  // namespace

http::Response SamlFrontDoor::slo(const http::Request& request) const {
  if (request.method == "POST" && is_soap(request)) return slo_soap(request);
  auto received = receive(request, {"SAMLRequest", "SAMLResponse"});
  if (!received) {
    spdlog::info("SAML logout message refused: {}", loggable(received.error()));
    return error_page(400, "The sign-out message could not be read.");
  }
  if (received->parameter == "SAMLRequest") return logout_request(*received, request);
  return logout_response(*received);
}

Result<std::shared_ptr<const SpRegistration>, std::string> SamlFrontDoor::check_logout_request(const LogoutRequest& req, Received* front) const {
  auto sp = deps_.sps.by_entity_id(req.issuer);
  if (!sp) return unexpected(std::string("unknown issuer"));
  if (front != nullptr) {
    if (auto ok = check_signature(*front, req.element, req.has_signature, sp->metadata.signing_keys, true); !ok)
      return unexpected(ok.error());
  } else {
    if (!req.has_signature) return unexpected(std::string("the message is not signed"));
    // verify_enveloped needs the document: the SOAP caller verified it already.
  }
  const auto slo_url = deps_.idp.base_url + std::string(kSloPath);
  if (front != nullptr ? req.destination != slo_url : !req.destination.empty() && req.destination != slo_url)
    return unexpected(std::string("wrong or missing Destination"));
  const auto now = deps_.clock.now();
  if (req.issue_instant > now + deps_.clock_skew || req.issue_instant < now - deps_.clock_skew)
    return unexpected(std::string("IssueInstant outside the allowed clock skew"));
  if (req.not_on_or_after && *req.not_on_or_after + deps_.clock_skew <= now) return unexpected(std::string("expired (NotOnOrAfter)"));
  const auto replay_key = "saml-logout " + base64url_encode(jose::sha256(req.issuer + "\n" + req.id));
  if (!deps_.replays.first_use(replay_key, req.issue_instant + deps_.clock_skew + 1, now))
    return unexpected(std::string("a replayed request ID"));
  return sp;
}

std::vector<session::SsoSession> SamlFrontDoor::end_sessions(const LogoutRequest& req, const SpRegistration& sp,
                                                             const std::optional<session::SsoSession>& browser) const {
  // The principal must be the one this SP was given (profiles §4.4.4.1): the NameID's value, and
  // its format when the request states one.
  const auto names_this_sp = [&](const session::SsoSession& s) {
    for (const auto& t : slo_targets(s))
      if (t.client_id == sp.client_id && t.nameid == req.name_id.value &&
          (req.name_id.format.empty() || req.name_id.format == t.nameid_format))
        return true;
    return false;
  };
  std::vector<std::string> sids;
  // A SessionIndex opens only for the SP and the NameID it was sealed for.
  if (!deps_.session_index_key.empty())
    for (const auto& index : req.session_indexes)
      if (auto sid = open_session_index(deps_.session_index_key, index, sp.client_id, req.name_id.value)) sids.push_back(*sid);
  // The browser's own session, when this SP was given this NameID in it: also when the SessionIndex
  // names an older session, so the browser is never left signed in while the SP hears "Success".
  if (browser && names_this_sp(*browser) && std::find(sids.begin(), sids.end(), browser->sid) == sids.end())
    sids.push_back(browser->sid);
  const auto& sign_in = deps_.sign_in.deps();
  if (!browser && req.session_indexes.empty() && req.name_id.format == kNameIdPersistent) {
    // By SOAP, no SessionIndex: every live session of the user in which this SP has this NameID.
    const auto& qualifier = req.name_id.sp_name_qualifier;
    const bool own = qualifier == sp.entity_id || (!sp.affiliation.empty() && qualifier == sp.affiliation);
    const auto& audience = own ? qualifier : sp.affiliation.empty() ? sp.entity_id : sp.affiliation;
    if (auto user = deps_.persistent_ids.user_of(audience, req.name_id.value))
      for (const auto& s : sign_in.sessions.list_user(*user, deps_.clock.now(), sign_in.session_lifetime, 100))
        if (names_this_sp(s)) sids.push_back(s.sid);
  }
  std::vector<session::SsoSession> ended;
  for (const auto& sid : sids) {
    auto s = deps_.logouts != nullptr ? deps_.logouts->end(sid, sp.client_id) : std::nullopt;
    if (!s) continue;  // ended already (here or on another node): the logout it asks for holds
    spdlog::info("user {} signed out by {} (session {})", s->user_id, sp.entity_id, s->sid);
    ended.push_back(std::move(*s));
  }
  return ended;
}

http::Response SamlFrontDoor::logout_request(Received& received, const http::Request& request) const {
  auto req = read_logout_request(received.doc.root());
  if (!req) {
    spdlog::info("SAML LogoutRequest refused: {}", loggable(req.error()));
    return error_page(400, "The sign-out message could not be read.");
  }
  auto sp = check_logout_request(*req, &received);
  if (!sp) {
    spdlog::info("SAML LogoutRequest {} from {} refused: {}", loggable(req->id), loggable(req->issuer), loggable(sp.error()));
    return error_page(403, "The sign-out request was refused.");
  }
  const auto browser = deps_.sign_in.current_session(request);
  std::vector<session::SsoSession> ended;
  if (auto* units = deps_.sign_in.deps().units) units->run([&] { ended = end_sessions(*req, **sp, browser); });
  else ended = end_sessions(*req, **sp, browser);
  LogoutChain chain;
  chain.origin_client = (*sp)->client_id;
  chain.origin_request_id = req->id;
  chain.origin_relay_state = received.relay_state;
  chain.origin_binding = std::string(received.redirect ? kBindingRedirect : kBindingPost);
  // SPs reachable only through a browser: this browser carries requests for its own session only
  // (another session's NameIDs are not this browser's to see); others' such SPs are not told.
  for (const auto& s : ended) {
    const bool own = browser && s.sid == browser->sid;
    for (auto& t : slo_targets(s)) {
      if (t.client_id == (*sp)->client_id) continue;
      auto other = deps_.sps.by_client(t.client_id);
      if (!other || !browser_only(*other)) continue;  // the back channel's, or no logout endpoint at all
      if (own && chain.remaining.size() < kMostChained) chain.remaining.push_back(std::move(t));
      else chain.partial = true;
    }
  }
  auto r = next_logout(std::move(chain));
  const bool browser_ended = browser && std::any_of(ended.begin(), ended.end(), [&](const auto& s) { return s.sid == browser->sid; });
  if (browser_ended) {
    const auto& cookies = deps_.sign_in.deps().cookies;
    r.headers.push_back({"Set-Cookie", signin::set_cookie(cookies, signin::session_cookie_scope(cookies), "", 0)});
  }
  return r;
}

std::optional<http::Response> SamlFrontDoor::logout_through_browser(const session::SsoSession& ended,
                                                                    const std::string& then) const {
  LogoutChain chain;
  chain.then = then;
  for (auto& t : slo_targets(ended)) {
    auto sp = deps_.sps.by_client(t.client_id);
    if (!sp || !browser_only(*sp)) continue;
    if (chain.remaining.size() < kMostChained) chain.remaining.push_back(std::move(t));
    else spdlog::warn("session {}: more than {} SAML SPs to tell through the browser; {} is not told", ended.sid,
                      kMostChained, sp->entity_id);
  }
  if (chain.remaining.empty()) return std::nullopt;
  spdlog::info("session {} ended: {} SAML service provider(s) told through the browser", ended.sid, chain.remaining.size());
  return next_logout(std::move(chain));
}

http::Response SamlFrontDoor::logout_response(Received& received) const {
  auto res = read_logout_response(received.doc.root());
  if (!res) {
    spdlog::info("SAML LogoutResponse refused: {}", loggable(res.error()));
    return error_page(400, "The sign-out message could not be read.");
  }
  const auto now = deps_.clock.now();
  const auto gone = [&](std::string_view why) {
    spdlog::info("SAML LogoutResponse {} from {} refused: {}", loggable(res->id), loggable(res->issuer), why);
    return error_page(400, "This sign-out is no longer in progress. You may close this page.");
  };
  // Who answers, and that it is them, before the chain waiting for them is touched: a forged
  // answer neither spends nor drives another browser's logout.
  auto sp = deps_.sps.by_entity_id(res->issuer);
  if (!sp) return gone("unknown issuer");
  if (auto ok = check_signature(received, res->element, res->has_signature, sp->metadata.signing_keys, true); !ok)
    return gone(ok.error());
  if (res->destination != deps_.idp.base_url + std::string(kSloPath)) return gone("wrong or missing Destination");
  if (res->issue_instant > now + deps_.clock_skew || res->issue_instant < now - deps_.clock_skew)
    return gone("IssueInstant outside the allowed clock skew");
  auto stored = received.relay_state.empty() ? std::nullopt
                                             : deps_.artifacts.consume(chain_key(received.relay_state), sp->client_id, now);
  auto chain = stored ? decode_chain(stored->message) : std::nullopt;
  if (!chain || chain->current_client != sp->client_id) return gone("no logout of this browser is waiting for it");
  if (res->in_response_to != chain->current_request_id) {
    spdlog::info("SAML LogoutResponse {} from {} answers another request", loggable(res->id), sp->entity_id);
    chain->partial = true;
  } else if (res->status != kStatusSuccess) {
    spdlog::info("SAML LogoutResponse from {}: {} {}", sp->entity_id, loggable(res->status), loggable(res->second_status));
    chain->partial = true;
  }
  return next_logout(std::move(*chain));
}

http::Response SamlFrontDoor::next_logout(LogoutChain chain) const {
  const auto now = deps_.clock.now();
  std::shared_ptr<const IdpCredential> signer = deps_.credentials.signer(*deps_.keys.current());
  if (!signer || signer->key == nullptr) {
    spdlog::error("no SAML signing key: the sign-out cannot be carried on to the service providers");
    return error_page(503, "You are signed out here, but the services could not be told; try again in a moment.");
  }
  while (!chain.remaining.empty()) {
    auto target = std::move(chain.remaining.front());
    chain.remaining.erase(chain.remaining.begin());
    auto sp = deps_.sps.by_client(target.client_id);
    const auto* service = sp ? front_channel_service(*sp, kBindingRedirect) : nullptr;
    auto doc = service ? logout_request_document(target, *sp, service->location, deps_.idp.entity_id, now,
                                                 deps_.logout_lifetime)
                       : std::nullopt;
    if (!doc) {
      chain.partial = true;
      continue;
    }
    chain.current_client = sp->client_id;
    chain.current_request_id = attribute(doc->root(), "ID").value_or("");
    // The chain waits for this SP's answer in the shared store, named by the RelayState sent.
    const auto handle = base64url_encode(jose::random_bytes(16));
    deps_.artifacts.insert(Artifact{chain_key(handle), sp->client_id, encode_chain(chain), now, now + deps_.logout_lifetime});
    spdlog::info("SAML LogoutRequest {} to {} through the browser", chain.current_request_id, sp->entity_id);
    return send_front(*service, "SAMLRequest", *doc, handle, *signer->key);
  }
  return finish_logout(chain);
}

http::Response SamlFrontDoor::finish_logout(const LogoutChain& chain) const {
  auto sp = chain.origin_client.empty() ? nullptr : deps_.sps.by_client(chain.origin_client);
  const auto* service = sp ? front_channel_service(*sp, chain.origin_binding) : nullptr;
  if (service == nullptr && chain.origin_client.empty() && !chain.then.empty()) {
    http::Response r;  // a logout begun on another front door: where it was going
    r.status = 302;
    r.set("Location", chain.then);
    r.set("Cache-Control", "no-store");
    return r;
  }
  if (service == nullptr) return signin::error_page(*deps_.sign_in.theme(), 200, "signed_out", "You are signed out.", "Signed out");
  auto signer = deps_.credentials.signer(*deps_.keys.current());
  const auto& destination = service->response_location.empty() ? service->location : service->response_location;
  auto doc = parse(build_logout_response(new_id(), deps_.idp.entity_id, destination, chain.origin_request_id,
                                         kStatusSuccess, chain.partial ? kStatusPartialLogout : "", deps_.clock.now()),
                   64 * 1024);
  if (!doc || !signer || signer->key == nullptr) {
    spdlog::error("the SAML LogoutResponse for {} could not be made", sp->entity_id);
    return error_page(503, "You are signed out, but the service could not be told; try again in a moment.");
  }
  SingleLogoutService answer_at = *service;
  answer_at.location = destination;
  return send_front(answer_at, "SAMLResponse", *doc, chain.origin_relay_state, *signer->key);
}

http::Response SamlFrontDoor::send_front(const SingleLogoutService& service, std::string_view parameter, Document& doc,
                                         const std::string& relay_state, const SigningKey& key) const {
  if (service.binding == kBindingRedirect) {
    auto query = build_redirect_query(parameter, serialize(doc, false), relay_state, &key);
    if (!query) {
      spdlog::error("a SAML logout message could not be signed: {}", query.error());
      return error_page(500, "The sign-out could not be carried on.");
    }
    http::Response r;
    r.status = 302;
    r.set("Location", service.location + (service.location.find('?') == std::string::npos ? "?" : "&") + *query);
    r.set("Cache-Control", "no-store");
    return r;
  }
  if (auto ok = sign_enveloped(doc, doc.root(), key); !ok) {
    spdlog::error("a SAML logout message could not be signed: {}", ok.error());
    return error_page(500, "The sign-out could not be carried on.");
  }
  return post_page(service.location, parameter, base64_encode(serialize(doc, false)), relay_state);
}

}  // namespace gatehouse::saml
