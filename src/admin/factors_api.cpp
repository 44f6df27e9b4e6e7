// /api/users/{id}/factors: a user's second factors as an administrator sees them (never a seed or
// a hash), and their removal: the authenticator app, one passkey, or everything (a reset after a
// lost device). Every change is audited with the factors before and after.

#include <boost/json.hpp>

#include "admin/admin_api.hpp"
#include "admin/admin_http.hpp"
#include "core/log.hpp"

namespace gatehouse::admin {
namespace {

json::object passkey_json(const mfa::Passkey& p) {
  json::array transports;
  std::size_t start = 0;
  const std::string_view t = p.transports;
  while (start < t.size()) {
    auto end = t.find(' ', start);
    if (end == std::string_view::npos) end = t.size();
    if (end > start) transports.emplace_back(t.substr(start, end - start));
    start = end + 1;
  }
  return {{"credential_id", p.credential_id},
          {"name", p.name},
          {"created_at", p.created_at},
          {"last_used_at", p.last_used_at == 0 ? json::value(nullptr) : json::value(p.last_used_at)},
          {"flagged", p.flagged},
          {"backup_eligible", p.backup_eligible},
          {"backup_state", p.backup_state},
          {"transports", std::move(transports)}};
}

json::object factors_json(const mfa::FactorSummary& s) {
  json::array passkeys;
  for (const auto& p : s.passkeys) passkeys.push_back(passkey_json(p));
  return {{"totp",
           {{"enabled", s.totp},
            {"pending", s.totp_pending},
            {"since", s.totp ? json::value(s.totp_since) : json::value(nullptr)}}},
          {"recovery_codes_left", s.recovery_codes_left},
          {"passkeys", std::move(passkeys)}};
}

Response no_user() { return error(404, "not_found", "no such user"); }

/// The user exists and factors are wired here.
bool known(const AdminDeps& deps, const std::string& id) { return deps.factors != nullptr && deps.users.find(id).has_value(); }

/// The user's factors as JSON text for the audit trail, "" when there is no such user.
std::string factors_snapshot(const AdminDeps& deps, const std::string& id) {
  if (!known(deps, id)) return {};
  return json::serialize(factors_json(deps.factors->summary(id)));
}

Response get_factors(const AdminDeps& deps, const PathParams& p) {
  const auto& id = p.get("id");
  if (!known(deps, id)) return no_user();
  return ok(200, factors_json(deps.factors->summary(id)));
}

Response remove_totp(const AdminDeps& deps, const PathParams& p) {
  const auto& id = p.get("id");
  if (!known(deps, id)) return no_user();
  if (!deps.factors->remove_totp(id)) return error(404, "not_found", "the user has no authenticator app");
  spdlog::info("the authenticator app of user {} was removed by an administrator", id);
  return http::empty_response(204);
}

Response remove_passkey(const AdminDeps& deps, const PathParams& p) {
  const auto& id = p.get("id");
  if (!known(deps, id)) return no_user();
  if (!deps.factors->remove_passkey(id, p.get("credential_id"))) return error(404, "not_found", "the user has no such passkey");
  spdlog::info("a passkey of user {} was removed by an administrator", id);
  return http::empty_response(204);
}

Response reset_factors(const AdminDeps& deps, const PathParams& p) {
  const auto& id = p.get("id");
  if (!known(deps, id)) return no_user();
  const auto removed = deps.factors->reset(id);
  spdlog::info("the second factors of user {} were reset by an administrator ({} removed)", id, removed);
  return http::empty_response(204);
}

std::string_view result_name(mfa::CodeCheck c) {
  switch (c) {
    case mfa::CodeCheck::kAccepted: return "accepted";
    case mfa::CodeCheck::kWrong: return "wrong";
    case mfa::CodeCheck::kReused: return "reused";
    case mfa::CodeCheck::kLocked: return "locked";
    case mfa::CodeCheck::kNoFactor: return "no_factor";
  }
  return "wrong";
}

/// A code the user reads out (a helpdesk check, or a migration test of an imported seed): checked
/// like a sign-in code, so it is used up when right and counted towards the lockout when wrong.
Response verify_totp(const AdminDeps& deps, const Request& req, const PathParams& p) {
  auto doc = read_object(req);
  if (!doc) return doc.error();
  for (const auto& m : *doc)
    if (m.key() != "code") return error(400, "invalid_field", std::string(m.key()) + " is not a supported member", m.key());
  const auto* code = doc->if_contains("code");
  if (code == nullptr || !code->is_string() || code->get_string().empty() || code->get_string().size() > 16)
    return error(400, "invalid_field", "code is required: the digits the authenticator app shows", "code");
  const auto& id = p.get("id");
  if (!known(deps, id)) return no_user();
  const auto result = deps.factors->verify_totp(id, OneTimeCode(std::string(code->get_string())));
  return ok(200, json::object{{"result", result_name(result)}});
}

}  // namespace

void add_factor_routes(http::Router& router, const AdminDeps& deps) {
  auto spec = [](std::string_view action) { return AuditSpec{action, "id", "", factors_snapshot}; };
  router.add("GET", "/api/users/{id}/factors",
             guarded(deps, [&deps](const Request&, const PathParams& p) { return get_factors(deps, p); }));
  router.add("DELETE", "/api/users/{id}/factors",
             audited(deps, spec("user.factors_reset"), [&deps](const Request&, const PathParams& p) { return reset_factors(deps, p); }));
  router.add("DELETE", "/api/users/{id}/factors/totp",
             audited(deps, spec("user.totp_remove"), [&deps](const Request&, const PathParams& p) { return remove_totp(deps, p); }));
  router.add("POST", "/api/users/{id}/factors/totp/verify",
             audited(deps, spec("user.totp_verify"), [&deps](const Request& r, const PathParams& p) { return verify_totp(deps, r, p); }));
  router.add("DELETE", "/api/users/{id}/factors/passkeys/{credential_id}",
             audited(deps, spec("user.passkey_remove"),
                     [&deps](const Request&, const PathParams& p) { return remove_passkey(deps, p); }));
}

}  // namespace gatehouse::admin
