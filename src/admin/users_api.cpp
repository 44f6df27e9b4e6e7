// /api/users: the admin API for users (create, read, list with filters, replace, delete, set
// password, activate/deactivate, unlock). Password hashing runs here, on the worker pool.

#include <boost/json.hpp>

#include "admin/admin_api.hpp"
#include "admin/admin_http.hpp"
#include "core/log.hpp"
#include "jose/openssl/crypto.hpp"
#include "user/user_profile.hpp"

namespace gatehouse::admin {
namespace {

namespace json = boost::json;
using http::PathParams;
using http::Request;
using http::Response;

Response not_found() { return error(404, "not_found", "no such user"); }

Response write_error(user::UserWriteResult r) {
  switch (r) {
    case user::UserWriteResult::kUsernameTaken: return error(409, "conflict", "the username is taken", "username");
    case user::UserWriteResult::kEmailTaken: return error(409, "conflict", "the email is taken", "email");
    case user::UserWriteResult::kNotFound: return not_found();
    case user::UserWriteResult::kOk: break;
  }
  return error(500, "server_error", "unexpected store answer");
}

json::object user_json(const AdminDeps& deps, const user::User& u) {
  auto failed = deps.users.failed_logins(user::login_name(u.username));
  return user::to_json(u, failed.locked_until > deps.clock.now() ? failed.locked_until : 0);
}

Response create_user(const AdminDeps& deps, const Request& req) {
  auto doc = read_object(req);
  if (!doc) return doc.error();
  auto draft = user::parse_profile(*doc, {true, deps.min_password_length});
  if (!draft) return error(400, "invalid_field", draft.error().field + " " + draft.error().message, draft.error().field);
  auto& u = draft->user;
  u.id = jose::random_token(16);
  if (draft->password) u.password_hash = deps.passwords.hash(*draft->password);
  u.created_at = u.updated_at = deps.clock.now();
  if (auto r = deps.users.insert(u); r != user::UserWriteResult::kOk) return write_error(r);
  spdlog::info("user {} created", u.id);
  auto res = ok(201, user_json(deps, u));
  res.set("Location", "/api/users/" + u.id);
  return res;
}

Response list_users(const AdminDeps& deps, const Request& req) {
  auto offset = query_number(req, "offset", 0, 0, 1'000'000'000);
  if (!offset) return offset.error();
  auto limit = query_number(req, "limit", kDefaultPageSize, 1, kMaxPageSize);
  if (!limit) return limit.error();
  user::UserFilter filter{query_text(req, "username"), query_text(req, "email")};
  auto page = deps.users.list(filter, *offset, *limit);
  json::array items;
  for (const auto& u : page.items) items.push_back(user_json(deps, u));
  return ok(200, json::object{{"users", std::move(items)}, {"total", page.total}, {"offset", *offset}, {"limit", *limit}});
}

Response get_user(const AdminDeps& deps, const PathParams& p) {
  auto u = deps.users.find(p.get("id"));
  if (!u) return not_found();
  return ok(200, user_json(deps, *u));
}

Response replace_user(const AdminDeps& deps, const Request& req, const PathParams& p) {
  auto doc = read_object(req);
  if (!doc) return doc.error();
  auto draft = user::parse_profile(*doc, {false, deps.min_password_length});
  if (!draft) return error(400, "invalid_field", draft.error().field + " " + draft.error().message, draft.error().field);
  auto existing = deps.users.find(p.get("id"));
  if (!existing) return not_found();
  auto u = std::move(draft->user);
  u.id = existing->id;
  u.password_hash = existing->password_hash;
  u.created_at = existing->created_at;
  u.updated_at = deps.clock.now();
  if (auto r = deps.users.update(u); r != user::UserWriteResult::kOk) return write_error(r);
  spdlog::info("user {} updated", u.id);
  return ok(200, user_json(deps, u));
}

Response delete_user(const AdminDeps& deps, const PathParams& p) {
  if (!deps.users.remove(p.get("id"))) return not_found();
  spdlog::info("user {} deleted", p.get("id"));
  return http::empty_response(204);
}

Response set_password(const AdminDeps& deps, const Request& req, const PathParams& p) {
  auto doc = read_object(req);
  if (!doc) return doc.error();
  for (const auto& m : *doc)
    if (m.key() != "password") return error(400, "invalid_field", std::string(m.key()) + " is not a supported member", m.key());
  auto it = doc->find("password");
  if (it == doc->end() || !it->value().is_string()) return error(400, "invalid_field", "password is required", "password");
  if (auto problem = user::password_problem(it->value().get_string(), deps.min_password_length); !problem.empty())
    return error(400, "invalid_field", "password " + problem, "password");
  auto u = deps.users.find(p.get("id"));
  if (!u) return not_found();
  u->password_hash = deps.passwords.hash(it->value().get_string());
  u->updated_at = deps.clock.now();
  if (auto r = deps.users.update(*u); r != user::UserWriteResult::kOk) return write_error(r);
  spdlog::info("password of user {} set", u->id);
  return http::empty_response(204);
}

Response set_active(const AdminDeps& deps, const PathParams& p, bool active) {
  auto u = deps.users.find(p.get("id"));
  if (!u) return not_found();
  u->active = active;
  u->updated_at = deps.clock.now();
  if (auto r = deps.users.update(*u); r != user::UserWriteResult::kOk) return write_error(r);
  spdlog::info("user {} {}", u->id, active ? "activated" : "deactivated");
  return ok(200, user_json(deps, *u));
}

Response unlock(const AdminDeps& deps, const PathParams& p) {
  auto u = deps.users.find(p.get("id"));
  if (!u) return not_found();
  deps.users.reset_failed_logins(user::login_name(u->username));
  spdlog::info("user {} unlocked", u->id);
  return ok(200, user_json(deps, *u));
}

std::string user_snapshot(const AdminDeps& deps, const std::string& id) {
  auto u = deps.users.find(id);
  return u ? json::serialize(user_json(deps, *u)) : std::string();
}

}  // namespace

void add_user_routes(http::Router& router, const AdminDeps& deps) {
  auto spec = [](std::string_view action) { return AuditSpec{action, "id", "", user_snapshot}; };
  router.add("POST", "/api/users",
             audited(deps, {"user.create", "", "id", user_snapshot}, [&deps](const Request& r, const PathParams&) { return create_user(deps, r); }));
  router.add("GET", "/api/users", guarded(deps, [&deps](const Request& r, const PathParams&) { return list_users(deps, r); }));
  router.add("GET", "/api/users/{id}", guarded(deps, [&deps](const Request&, const PathParams& p) { return get_user(deps, p); }));
  router.add("PUT", "/api/users/{id}",
             audited(deps, spec("user.update"), [&deps](const Request& r, const PathParams& p) { return replace_user(deps, r, p); }));
  router.add("DELETE", "/api/users/{id}",
             audited(deps, spec("user.delete"), [&deps](const Request&, const PathParams& p) { return delete_user(deps, p); }));
  router.add("POST", "/api/users/{id}/password",
             audited(deps, spec("user.password"), [&deps](const Request& r, const PathParams& p) { return set_password(deps, r, p); }));
  router.add("POST", "/api/users/{id}/activate",
             audited(deps, spec("user.activate"), [&deps](const Request&, const PathParams& p) { return set_active(deps, p, true); }));
  router.add("POST", "/api/users/{id}/deactivate",
             audited(deps, spec("user.deactivate"), [&deps](const Request&, const PathParams& p) { return set_active(deps, p, false); }));
  router.add("POST", "/api/users/{id}/unlock",
             audited(deps, spec("user.unlock"), [&deps](const Request&, const PathParams& p) { return unlock(deps, p); }));
}

}  // namespace gatehouse::admin
