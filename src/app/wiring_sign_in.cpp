// The sign-in's wiring: the theme, the front doors, the directories and what a sign-in reports
// (metrics and the audit trail).
#include <boost/json.hpp>

#include "app/options.hpp"
#include "app/wiring.hpp"
#include "core/log.hpp"

namespace gatehouse::app {

void Wiring::wire_sign_in() {
  theme.reload();
  sign_in_deps.theme = &theme;
  sign_in_deps.units = &store->units();
  sign_in_deps.csrf_key = signin::CsrfKey(master.derive(keys::kCsrfTokenPurpose).reveal());
  sign_in.add_front_door(oidc_front_door);
  sso_sessions.add_listener(oidc_logout);  // Logout Tokens to the OIDC clients of an ended session
  sign_in.add_front_door(account_front_door);
  admin_deps.identity_sources = identity_sources;
  admin_deps.identity_sources_status = [this] { return directories_json(directories); };
  sign_in_deps.on_sign_in = [this](const signin::SignInEvent& e) {
    logins.add({e.outcome});
    admin::AuditEvent a;
    a.actor = e.user_id.empty() ? "login:" + e.login_name : "user:" + e.user_id;
    a.action = "sign_in." + std::string(e.outcome);
    a.target = e.service;
    a.client_address = e.client_address;
    // Which identity source answered, and why it refused: in the row's "after". A success names
    // the source of the account (the password step knew it; the completion reads the account).
    std::string source = e.source;
    if (source.empty() && e.outcome == "success" && !identity_sources.empty() && !e.user_id.empty()) {
      if (auto u = user_cache.find(e.user_id)) source = u->source;
    }
    if (!source.empty()) {
      directory_sign_ins.add({source, e.outcome});
      boost::json::object detail{{"source", source}};
      if (!e.reason.empty()) detail["reason"] = e.reason;
      a.after = boost::json::serialize(detail);
    }
    audit(std::move(a));
  };
  account_deps.on_event = [this](const signin::account::AccountEvent& e) {
    admin::AuditEvent a;
    a.actor = "user:" + e.user_id;
    a.action = std::string(e.action);
    a.target = e.user_id;
    a.client_address = e.client_address;
    audit(std::move(a));
  };
}

void Wiring::audit(admin::AuditEvent a) {
  a.at = clock.now_ms();
  a.node_id = node_id_of(config);
  try {
    store->audit().append(a);
  } catch (const std::exception& ex) {
    spdlog::error("audit: could not record {} for {}: {}", a.action, a.target, ex.what());
  }
}

}  // namespace gatehouse::app
