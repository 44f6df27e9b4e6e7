#include "saml/single_logout.hpp"

#include <spdlog/spdlog.h>

#include "core/base64url.hpp"
#include "core/unit_of_work.hpp"
#include "jose/openssl/crypto.hpp"
#include "saml/dsig.hpp"
#include "saml/protocol.hpp"
#include "saml/soap.hpp"

namespace gatehouse::saml {
namespace {

std::string session_index_aad(std::string_view client_id, std::string_view nameid) {
  return "gatehouse saml SessionIndex\n" + std::string(client_id) + "\n" + std::string(nameid);
}

}  // namespace

session::Participant slo_participant(std::string_view client_id, std::string_view session_index,
                                     std::string_view nameid_format, std::string_view nameid, UnixSeconds now) {
  return {std::string(kSloProtocol), std::string(client_id) + " " + std::string(session_index), now,
          std::string(session_index) + " " + std::string(nameid_format) + " " + std::string(nameid)};
}

std::vector<SloTarget> slo_targets(const session::SsoSession& session) {
  std::vector<SloTarget> out;
  for (const auto& p : session.participants) {
    if (p.protocol != kSloProtocol) continue;
    const auto space = p.service.find(' ');
    const auto first = p.detail.find(' ');
    const auto second = first == std::string::npos ? std::string::npos : p.detail.find(' ', first + 1);
    if (space == std::string::npos || second == std::string::npos || second + 1 >= p.detail.size()) continue;
    out.push_back({p.service.substr(0, space), p.detail.substr(0, first), p.detail.substr(first + 1, second - first - 1),
                   p.detail.substr(second + 1)});
  }
  return out;
}

std::string seal_session_index(std::string_view key, std::string_view sid, std::string_view client_id,
                               std::string_view nameid) {
  return "_" + base64url_encode(jose::aead_seal(key, sid, session_index_aad(client_id, nameid)));
}

std::optional<std::string> open_session_index(std::string_view key, std::string_view session_index,
                                              std::string_view client_id, std::string_view nameid) {
  if (!session_index.starts_with('_')) return std::nullopt;
  auto sealed = base64url_decode(session_index.substr(1));
  if (!sealed) return std::nullopt;
  return jose::aead_open(key, *sealed, session_index_aad(client_id, nameid));
}

LogoutNameId issued_name_id(const SloTarget& target, const SpRegistration& sp, std::string_view idp_entity_id) {
  LogoutNameId n{target.nameid, target.nameid_format, "", ""};
  if (target.nameid_format == kNameIdPersistent || target.nameid_format == kNameIdTransient) {
    n.name_qualifier = std::string(idp_entity_id);
    n.sp_name_qualifier = target.nameid_format == kNameIdPersistent && !sp.affiliation.empty() ? sp.affiliation : sp.entity_id;
  }
  return n;
}

const SingleLogoutService* logout_service(const SpRegistration& sp, std::string_view binding) {
  for (const auto& s : sp.metadata.logout_services)
    if (s.binding == binding) return &s;
  return nullptr;
}

std::optional<Document> logout_request_document(const SloTarget& target, const SpRegistration& sp,
                                                std::string_view destination, std::string_view idp_entity_id,
                                                UnixSeconds now, UnixSeconds lifetime) {
  const auto xml = build_logout_request(new_id(), idp_entity_id, destination, issued_name_id(target, sp, idp_entity_id),
                                        target.session_index, now, now + lifetime);
  auto doc = parse(xml, 64 * 1024);
  if (!doc) {
    spdlog::error("the SAML LogoutRequest for {} could not be made: {}", sp.entity_id, doc.error());
    return std::nullopt;
  }
  return std::move(*doc);
}

void SingleLogout::session_ended(const session::SsoSession& session, std::string_view origin) {
  // Only the targets are decided here, inside the unit that ended the session; each request is
  // made and signed on the sender's thread (no RSA signature under the unit's write lock, a fresh
  // ID and NotOnOrAfter at each attempt), and queued once the unit has committed.
  std::vector<signin::BackChannelMessage> messages;
  for (const auto& target : slo_targets(session)) {
    if (target.client_id == origin) continue;
    auto sp = deps_.sps.by_client(target.client_id);
    if (!sp) continue;
    const auto* service = logout_service(*sp, kBindingSoap);
    if (service == nullptr) continue;  // reachable through a browser only (slo.cpp), or not at all
    auto build = [this, sp, target, location = service->location]() -> std::optional<std::string> {
      auto signer = deps_.credentials.signer(*deps_.keys.current());
      if (!signer || signer->key == nullptr) {
        spdlog::error("no SAML signing key: {} is not told of the end of a session", sp->entity_id);
        return std::nullopt;
      }
      auto doc = logout_request_document(target, *sp, location, deps_.idp.entity_id, deps_.clock.now(),
                                         deps_.request_lifetime);
      if (!doc) return std::nullopt;
      if (auto ok = sign_enveloped(*doc, doc->root(), *signer->key); !ok) {
        spdlog::error("the SAML LogoutRequest for {} could not be signed: {}", sp->entity_id, ok.error());
        return std::nullopt;
      }
      return soap_envelope(serialize(*doc, false));
    };
    messages.push_back({service->location, "text/xml; charset=utf-8", "", "SAML single logout", std::move(build)});
  }
  if (messages.empty()) return;
  after_commit([&sender = deps_.sender, messages = std::move(messages)]() mutable {
    for (auto& m : messages) sender.send(std::move(m));
  });
}

}  // namespace gatehouse::saml
