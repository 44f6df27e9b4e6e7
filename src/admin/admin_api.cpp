#include "admin/admin_api.hpp"

#include "admin/admin_http.hpp"
#include "admin/api_key_request.hpp"

#include <boost/json.hpp>

#include "client/registration.hpp"
#include "core/log.hpp"
#include "jose/openssl/crypto.hpp"

namespace gatehouse::admin {
namespace {

Response metadata_error(const client::MetadataError& e) { return error(400, e.code, e.field + " " + e.message, e.field); }

/// Another application is already the SAML SP with this entityID (the store keeps them unique).
Response entity_id_taken(const client::Client& c) {
  return error(409, "conflict", "another application is registered for the SAML entityID '" + c.saml_entity_id + "'",
               "saml_metadata");
}

json::object with_secret(const client::Client& c, const std::string& secret) {
  auto body = client::to_json(c);
  if (!secret.empty()) body["client_secret"] = secret;
  return body;
}

// --- applications ----------------------------------------------------------------------------

Response create_application(const AdminDeps& deps, const Request& req) {
  auto doc = read_object(req);
  if (!doc) return doc.error();
  auto draft = client::parse_metadata(*doc, deps.metadata_defaults);
  if (!draft) return metadata_error(draft.error());
  auto created = client::prepare_new_client(std::move(*draft), deps.client_secrets, deps.clock.now());
  if (!deps.clients.insert(created.client)) {
    // The store refuses a taken client_id and a taken entityID alike; when the id is free, it was the entityID.
    if (!created.client.saml_entity_id.empty() && !deps.clients_uncached.find(created.client.client_id))
      return entity_id_taken(created.client);
    return error(409, "conflict", "an application with this client_id exists", "client_id");
  }
  spdlog::info("application {} created", created.client.client_id);
  auto r = ok(201, with_secret(created.client, created.secret));
  r.set("Location", "/api/applications/" + created.client.client_id);
  r.set("ETag", etag(created.client.version));
  return r;
}

Response list_applications(const AdminDeps& deps, const Request& req) {
  auto offset = query_number(req, "offset", 0, 0, 1'000'000'000);
  if (!offset) return offset.error();
  auto limit = query_number(req, "limit", kDefaultPageSize, 1, kMaxPageSize);
  if (!limit) return limit.error();
  auto page = deps.clients_uncached.list(*offset, *limit);
  json::array items;
  for (const auto& c : page.items) items.push_back(client::to_json(c));
  return ok(200, json::object{{"applications", std::move(items)},
                              {"total", page.total},
                              {"offset", *offset},
                              {"limit", *limit}});
}

Response get_application(const AdminDeps& deps, const PathParams& p) {
  auto c = deps.clients_uncached.find(p.get("client_id"));
  if (!c) return error(404, "not_found", "no such application");
  auto r = ok(200, client::to_json(*c));
  r.set("ETag", etag(c->version));
  return r;
}

Response replace_application(const AdminDeps& deps, const Request& req, const PathParams& p) {
  auto doc = read_object(req);
  if (!doc) return doc.error();
  const auto& id = p.get("client_id");
  if (auto it = doc->find("client_id"); it != doc->end() && !(it->value().is_string() && it->value().get_string() == id))
    return error(400, "invalid_client_metadata", "client_id must match the application's URL", "client_id");
  auto draft = client::parse_metadata(*doc, deps.metadata_defaults);
  if (!draft) return metadata_error(draft.error());
  auto existing = deps.clients_uncached.find(id);
  if (!existing) return error(404, "not_found", "no such application");
  if (!if_match_allows(req, existing->version)) return precondition_failed("the application");
  // The store writes only if the version is still the one read here, so a change made by another
  // request in between is never overwritten from this (by then stale) read.
  auto replaced = client::prepare_replacement(*existing, std::move(*draft), deps.client_secrets, deps.clock.now());
  switch (deps.clients.update(replaced.client)) {
    case client::UpdateResult::kNotFound: return error(404, "not_found", "no such application");
    case client::UpdateResult::kStale: return precondition_failed("the application");
    case client::UpdateResult::kEntityIdTaken: return entity_id_taken(replaced.client);
    case client::UpdateResult::kOk: break;
  }
  spdlog::info("application {} updated", id);
  replaced.client.version = existing->version + 1;
  auto r = ok(200, with_secret(replaced.client, replaced.secret));
  r.set("ETag", etag(replaced.client.version));
  return r;
}

Response delete_application(const AdminDeps& deps, const PathParams& p) {
  if (!deps.clients.remove(p.get("client_id"))) return error(404, "not_found", "no such application");
  spdlog::info("application {} deleted", p.get("client_id"));
  return http::empty_response(204);
}

// --- API keys --------------------------------------------------------------------------------

json::object key_json(const ApiKey& k) {
  json::object o{{"id", k.id}, {"description", k.description}, {"created_at", k.created_at}, {"role", to_string(k.role)}};
  if (k.expires_at) o["expires_at"] = *k.expires_at;
  else o["expires_at"] = nullptr;
  return o;
}

Response create_api_key(const AdminDeps& deps, const Request& req) {
  json::object doc;
  if (!req.body.empty()) {
    auto parsed = read_object(req);
    if (!parsed) return parsed.error();
    doc = std::move(*parsed);
  }
  const auto now = deps.clock.now();
  auto asked = parse_api_key_request(doc, now);
  if (!asked) return error(400, "invalid_field", asked.error().message, asked.error().field);
  std::string key = "ghk_" + jose::random_token(32);
  auto record = make_api_key(key, std::move(asked->description), deps.api_key_hasher, now);
  record.expires_at = asked->expires_at;
  record.role = asked->role;
  if (!deps.api_keys.insert(record)) return error(409, "conflict", "key collision; retry");
  spdlog::info("api key {} created", record.id);
  auto body = key_json(record);
  body["key"] = key;
  auto r = ok(201, body);
  r.set("Location", "/api/api-keys/" + record.id);
  return r;
}

Response list_api_keys(const AdminDeps& deps) {
  json::array items;
  for (const auto& k : deps.api_keys.list()) items.push_back(key_json(k));
  return ok(200, json::object{{"api_keys", std::move(items)}});
}

Response delete_api_key(const AdminDeps& deps, const PathParams& p) {
  if (!deps.api_keys.remove(p.get("id"))) return error(404, "not_found", "no such API key");
  spdlog::info("api key {} deleted", p.get("id"));
  return http::empty_response(204);
}

}  // namespace

ApiKey make_api_key(const std::string& key, std::string description, const client::SecretHasher& hasher,
                    UnixSeconds now) {
  return ApiKey{jose::random_token(9), hasher.hash(key), std::move(description), now};
}

namespace {

std::string application_snapshot(const AdminDeps& deps, const std::string& id) {
  auto c = deps.clients_uncached.find(id);
  return c ? json::serialize(client::to_json(*c)) : std::string();
}

std::string theme_snapshot(const AdminDeps& deps, const std::string&) {
  return deps.get_theme ? json::serialize(deps.get_theme()) : std::string();
}

std::string api_key_snapshot(const AdminDeps& deps, const std::string& id) {
  for (const auto& k : deps.api_keys.list())
    if (k.id == id) return json::serialize(key_json(k));
  return {};
}

}  // namespace

void add_routes(http::Router& router, const AdminDeps& deps) {
  add_user_routes(router, deps);
  add_factor_routes(router, deps);
  add_system_routes(router, deps);
  add_log_routes(router, deps);
  add_console_routes(router);
  router.add("POST", "/api/applications", audited(deps, {"application.create", "", "client_id", application_snapshot}, [&deps](const Request& r, const PathParams&) {
               return create_application(deps, r);
             }));
  router.add("GET", "/api/applications", guarded(deps, [&deps](const Request& r, const PathParams&) {
               return list_applications(deps, r);
             }));
  router.add("GET", "/api/applications/{client_id}", guarded(deps, [&deps](const Request&, const PathParams& p) {
               return get_application(deps, p);
             }));
  router.add("PUT", "/api/applications/{client_id}", audited(deps, {"application.update", "client_id", "", application_snapshot}, [&deps](const Request& r, const PathParams& p) {
               return replace_application(deps, r, p);
             }));
  router.add("DELETE", "/api/applications/{client_id}", audited(deps, {"application.delete", "client_id", "", application_snapshot}, [&deps](const Request&, const PathParams& p) {
               return delete_application(deps, p);
             }));
  router.add("POST", "/api/api-keys", audited(deps, {"api_key.create", "", "id", api_key_snapshot}, [&deps](const Request& r, const PathParams&) {
               return create_api_key(deps, r);
             }));
  if (deps.get_theme && deps.put_theme) {
    // One theme, "default", for now; the name is in the path so more can come without a new API.
    router.add("GET", "/api/themes/{name}", guarded(deps, [&deps](const Request&, const PathParams& p) {
                 if (p.get("name") != "default") return error(404, "not_found", "no theme " + p.get("name"));
                 return ok(200, deps.get_theme());
               }));
    router.add("PUT", "/api/themes/{name}", audited(deps, {"theme.update", "name", "", theme_snapshot}, [&deps](const Request& r, const PathParams& p) {
                 if (p.get("name") != "default") return error(404, "not_found", "no theme " + p.get("name") + " (only \"default\")");
                 auto doc = read_object(r);
                 if (!doc) return doc.error();
                 if (auto saved = deps.put_theme(*doc); !saved) return error(400, "invalid_theme", saved.error());
                 return ok(200, deps.get_theme());
               }));
  }
  router.add("GET", "/api/api-keys", guarded(deps, [&deps](const Request&, const PathParams&) {
               return list_api_keys(deps);
             }));
  router.add("DELETE", "/api/api-keys/{id}", audited(deps, {"api_key.delete", "id", "", api_key_snapshot}, [&deps](const Request&, const PathParams& p) {
               return delete_api_key(deps, p);
             }));
}

}  // namespace gatehouse::admin
