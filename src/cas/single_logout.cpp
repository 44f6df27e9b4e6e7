#include "cas/single_logout.hpp"

#include "cas/responses.hpp"
#include "core/unit_of_work.hpp"
#include "http/router.hpp"
#include "jose/openssl/crypto.hpp"

namespace gatehouse::cas {

std::string logout_request(std::string_view ticket, std::string_view id, UnixSeconds now) {
  return "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
         "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"" +
         xml_escape(id) + "\" Version=\"2.0\" IssueInstant=\"" + iso8601(now) +
         "\">\n<saml:NameID>@NOT_USED@</saml:NameID>\n<samlp:SessionIndex>" + xml_escape(ticket) +
         "</samlp:SessionIndex>\n</samlp:LogoutRequest>";
}

std::vector<std::pair<std::string, std::string>> logout_targets(const session::SsoSession& session) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& p : session.participants) {
    if (p.protocol != kSloProtocol) continue;
    const auto space = p.detail.find(' ');
    if (space == std::string::npos || space == 0 || space + 1 == p.detail.size()) continue;
    out.emplace_back(p.detail.substr(space + 1), p.detail.substr(0, space));
  }
  return out;
}

void SingleLogout::session_ended(const session::SsoSession& session, std::string_view) {
  if (pgts_ != nullptr) pgts_->revoke_session(session.sid);
  // Queued once the unit of work this logout is part of (if any) has committed: a logout that
  // rolls back tells no service about it. Each attempt makes its message afresh.
  std::vector<signin::BackChannelMessage> messages;
  for (auto& [url, ticket] : logout_targets(session)) {
    auto build = [ticket = std::move(ticket), &clock = clock_]() -> std::optional<std::string> {
      return "logoutRequest=" + http::percent_encode(logout_request(ticket, "LR-" + jose::random_token(16), clock.now()));
    };
    messages.push_back({std::move(url), "application/x-www-form-urlencoded", "", "CAS single logout", std::move(build)});
  }
  if (messages.empty()) return;
  after_commit([&sender = sender_, messages = std::move(messages)]() mutable {
    for (auto& m : messages) sender.send(std::move(m));
  });
}

}  // namespace gatehouse::cas
