// /api/users: the admin API for users (create, read, list with filters, replace, delete, set
// password, activate/deactivate, unlock, sync a directory's user). Password hashing runs here, on
// the worker pool.

#include <boost/json.hpp>

#include "admin/admin_api.hpp"
#include "admin/admin_http.hpp"
#include "core/log.hpp"
#include "jose/openssl/crypto.hpp"
#include "signin/sign_out.hpp"
#include "user/linked_accounts.hpp"
#include "user/user_profile.hpp"

namespace gatehouse::admin {
namespace {

Response not_found() { return error(404, "not_found", "no such user"); }

Response write_error(user::UserWriteResult r) {
  switch (r) {
    case user::UserWriteResult::kStale: return precondition_failed("the user");
    case user::UserWriteResult::kUsernameTaken: return error(409, "conflict", "the username is taken", "username");
    case user::UserWriteResult::kEmailTaken: return error(409, "conflict", "the email is taken", "email");
    case user::UserWriteResult::kNotFound: return not_found();
    case user::UserWriteResult::kLinkTaken: return error(409, "conflict", "an account is linked to that directory entry already");
    case user::UserWriteResult::kOk: break;
  }
  return error(500, "server_error", "unexpected store answer");
}

json::object user_json(const AdminDeps& deps, const user::User& u) {
  auto failed = deps.users.failed_logins(user::login_name(u.username));
  return user::to_json(u, failed.locked_until > deps.clock.now() ? failed.locked_until : 0);
}

/// A read that is written back must not come from a near-cache entry another node just changed.
std::optional<user::User> find_fresh(const AdminDeps& deps, const std::string& id) {
  return (deps.users_uncached != nullptr ? *deps.users_uncached : deps.users).find(id);
}

Response with_etag(Response r, const user::User& u) {
  r.set("ETag", etag(u.version));
  return r;
}

/// Ends everything the user is signed in with, on every node (signin::sign_out_everywhere).
/// @returns false if there is no such user.
bool sign_out_everywhere(const AdminDeps& deps, const std::string& id) {
  return signin::sign_out_everywhere({deps.users, deps.sso_sessions, deps.grants}, id, deps.clock.now()).has_value();
}

/// The validated document, or its 400; a "totp_secret" only where factors are wired.
Result<user::ProfileDraft, Response> read_profile(const AdminDeps& deps, const Request& req, bool allow_password) {
  auto doc = read_object(req);
  if (!doc) return unexpected(std::move(doc.error()));
  auto draft = user::parse_profile(*doc, {allow_password, deps.min_password_length});
  if (!draft) return unexpected(error(400, "invalid_field", draft.error().field + " " + draft.error().message, draft.error().field));
  if (draft->totp_seed && deps.factors == nullptr)
    return unexpected(error(400, "invalid_field", "totp_secret is not supported by this server", "totp_secret"));
  return std::move(*draft);
}

/// Stores an imported TOTP seed (another system's export) once the user's row exists.
void import_seed(const AdminDeps& deps, const user::ProfileDraft& draft, const std::string& id) {
  if (!draft.totp_seed) return;
  deps.factors->import_totp(id, *draft.totp_seed);
  spdlog::info("a TOTP seed was imported for user {}", id);
}

Response create_user(const AdminDeps& deps, const Request& req) {
  auto draft = read_profile(deps, req, true);
  if (!draft) return std::move(draft.error());
  auto& u = draft->user;
  u.id = jose::random_token(16);
  if (draft->password) u.password_hash = deps.passwords.hash(*draft->password);
  u.created_at = u.updated_at = deps.clock.now();
  // The seed before the user's row: a fault between the two writes leaves a seed nobody can
  // reach (under a fresh random id), never a user created without the seed asked for.
  import_seed(deps, *draft, u.id);
  if (auto r = deps.users.insert(u); r != user::UserWriteResult::kOk) {
    if (draft->totp_seed) deps.factors->remove_totp(u.id);
    return write_error(r);
  }
  spdlog::info("user {} created", u.id);
  auto res = ok(201, user_json(deps, u));
  res.set("Location", "/api/users/" + u.id);
  return with_etag(std::move(res), u);
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
  auto u = find_fresh(deps, p.get("id"));  // its ETag is what an edit sends back
  if (!u) return not_found();
  return with_etag(ok(200, user_json(deps, *u)), *u);
}

Response replace_user(const AdminDeps& deps, const Request& req, const PathParams& p) {
  auto draft = read_profile(deps, req, false);
  if (!draft) return std::move(draft.error());
  auto existing = find_fresh(deps, p.get("id"));
  if (!existing) return not_found();
  if (!if_match_allows(req, existing->version)) return precondition_failed("the user");
  auto u = std::move(draft->user);
  u.id = existing->id;
  u.password_hash = existing->password_hash;  // not written by update(); kept for the answer
  u.created_at = existing->created_at;
  u.updated_at = deps.clock.now();
  u.version = existing->version;  // the store writes only over this version
  u.tokens_valid_after = existing->tokens_valid_after;
  if (auto r = deps.users.update(u); r != user::UserWriteResult::kOk) return write_error(r);
  ++u.version;
  spdlog::info("user {} updated", u.id);
  import_seed(deps, *draft, u.id);
  if (existing->active && !u.active) sign_out_everywhere(deps, u.id);
  return with_etag(ok(200, user_json(deps, u)), u);
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
  const auto& id = p.get("id");
  auto existing = deps.users.find(id);
  if (!existing) return not_found();
  if (existing->linked())
    return error(409, "linked", "the user signs in with " + existing->source + ", which keeps the password: set it there");
  // Only the hash is written: nothing else of the user can be put back from this request's read.
  if (!deps.users.set_password_hash(id, deps.passwords.hash(user::Password(std::string_view(it->value().get_string()))), deps.clock.now()))
    return not_found();
  spdlog::info("password of user {} set", id);
  // A new password ends every session and grant of the old one (a reset after a compromise).
  sign_out_everywhere(deps, id);
  return http::empty_response(204);
}

Response set_active(const AdminDeps& deps, const Request& req, const PathParams& p, bool active) {
  // A conditional update of a fresh read; a change made in between by another request is read
  // again, a bounded number of times, instead of being overwritten.
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto u = find_fresh(deps, p.get("id"));
    if (!u) return not_found();
    if (!if_match_allows(req, u->version)) return precondition_failed("the user");
    const bool was_active = u->active;
    if (was_active != active) {
      u->active = active;
      u->updated_at = deps.clock.now();
      const auto r = deps.users.update(*u);
      if (r == user::UserWriteResult::kStale) continue;
      if (r != user::UserWriteResult::kOk) return write_error(r);
      ++u->version;
      spdlog::info("user {} {}", u->id, active ? "activated" : "deactivated");
    }
    if (!active) sign_out_everywhere(deps, u->id);
    return with_etag(ok(200, user_json(deps, *u)), *u);
  }
  return precondition_failed("the user");
}

Response sign_out(const AdminDeps& deps, const PathParams& p) {
  if (!sign_out_everywhere(deps, p.get("id"))) return not_found();
  return http::empty_response(204);
}

Response unlock(const AdminDeps& deps, const PathParams& p) {
  auto u = deps.users.find(p.get("id"));
  if (!u) return not_found();
  deps.users.reset_failed_logins(user::login_name(u->username));
  spdlog::info("user {} unlocked", u->id);
  return ok(200, user_json(deps, *u));
}

/// Reads a linked account's entry again (by its stable id) with the source's service account: the
/// profile and groups refreshed; an entry gone or disabled deactivates the account and ends
/// everything it is signed in with (activating it again is an administrator's decision).
Response sync(const AdminDeps& deps, const PathParams& p) {
  auto u = find_fresh(deps, p.get("id"));
  if (!u) return not_found();
  if (!u->linked()) return error(409, "not_linked", "the user is a local account: there is no directory entry to read");
  user::IdentitySource* source = nullptr;
  for (auto* s : deps.identity_sources)
    if (s->name() == u->source) source = s;
  if (source == nullptr)
    return error(409, "source_not_configured", "the user's identity source " + u->source + " is not in [[identity_sources]]");
  auto entry = source->find(u->external_id);
  const bool gone = !entry && (entry.error() == user::SourceRefusal::kUnknownUser || entry.error() == user::SourceRefusal::kDisabled);
  if (!entry && !gone) {
    if (entry.error() == user::SourceRefusal::kUnavailable || entry.error() == user::SourceRefusal::kMisconfigured) {
      auto r = error(503, "source_unavailable",
                     "the identity source " + u->source + " did not answer the lookup (or has no service account: see the log)");
      r.set("Retry-After", "30");
      return r;
    }
    // Locked for now, a password to change: the entry is there; nothing to refresh or end.
    return error(409, "source_refuses", "the identity source " + u->source + " has the entry but refuses it for now (locked, "
                 "password expired or to be changed); nothing changed");
  }
  if (!gone) {
    auto linked = user::link_account(deps.users, u->source, *entry, deps.clock.now());
    if (!linked) return error(409, "conflict", linked.error());
    spdlog::info("user {} synced from {}", u->id, u->source);
    return with_etag(ok(200, user_json(deps, *linked)), *linked);
  }
  // The directory no longer has this account: it stays (its history, its factors) but inactive.
  for (int attempt = 0; attempt < 5 && u->active; ++attempt) {
    u->active = false;
    u->updated_at = deps.clock.now();
    const auto r = deps.users.update(*u);
    if (r == user::UserWriteResult::kOk) {
      ++u->version;
      break;
    }
    if (r != user::UserWriteResult::kStale) return write_error(r);
    u = find_fresh(deps, p.get("id"));
    if (!u) return not_found();
  }
  spdlog::info("user {} deactivated: {} no longer has the entry, or disabled it", u->id, u->source);
  sign_out_everywhere(deps, u->id);
  return with_etag(ok(200, user_json(deps, *u)), *u);
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
             audited(deps, spec("user.activate"), [&deps](const Request& r, const PathParams& p) { return set_active(deps, r, p, true); }));
  router.add("POST", "/api/users/{id}/deactivate",
             audited(deps, spec("user.deactivate"), [&deps](const Request& r, const PathParams& p) { return set_active(deps, r, p, false); }));
  router.add("POST", "/api/users/{id}/sign-out",
             audited(deps, spec("user.sign_out"), [&deps](const Request&, const PathParams& p) { return sign_out(deps, p); }));
  router.add("POST", "/api/users/{id}/sync",
             audited(deps, spec("user.sync"), [&deps](const Request&, const PathParams& p) { return sync(deps, p); }));
  router.add("POST", "/api/users/{id}/unlock",
             audited(deps, spec("user.unlock"), [&deps](const Request&, const PathParams& p) { return unlock(deps, p); }));
}

}  // namespace gatehouse::admin
