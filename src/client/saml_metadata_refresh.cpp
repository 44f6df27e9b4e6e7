#include "client/saml_metadata_refresh.hpp"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "client/client_metadata.hpp"
#include "saml/metadata_fetch.hpp"
#include "saml/protocol.hpp"

namespace gatehouse::client {
namespace {

namespace json = boost::json;

constexpr std::size_t kPage = 100;

enum class Outcome { kNotFetched, kUpdated, kUnchanged, kRefused, kNoCertificate };

std::string string_member(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

Outcome refresh_one(const MetadataRefreshDeps& deps, const Client& c) {
  boost::system::error_code ec;
  auto extra = json::parse(c.extra_metadata, ec);
  if (ec || !extra.is_object()) return Outcome::kNotFetched;
  auto& doc = extra.get_object();
  const auto url = string_member(doc, "saml_metadata_url");
  if (url.empty()) return Outcome::kNotFetched;
  const auto refused = [&](std::string_view why) {
    spdlog::warn("SAML metadata of {} from {} not used: {}", c.client_id, saml::loggable(url), saml::loggable(why, 400));
    return Outcome::kRefused;
  };
  const auto cert = string_member(doc, "saml_metadata_signing_cert");
  if (cert.empty()) {
    spdlog::warn("SAML metadata of {}: saml_metadata_url without saml_metadata_signing_cert is never fetched", c.client_id);
    return Outcome::kNoCertificate;
  }
  auto key = saml::metadata_signing_key(cert);
  if (!key) return refused("saml_metadata_signing_cert: " + key.error());
  auto body = deps.fetch(url);
  if (!body) return refused(body.error());
  auto accepted = saml::accept_fetched_metadata(*body, *key, c.saml_entity_id, deps.clock.now());
  if (!accepted) return refused(accepted.error());
  if (string_member(doc, "saml_metadata") == *body && c.saml_entity_id == accepted->entity_id) return Outcome::kUnchanged;
  Client updated = c;
  doc["saml_metadata"] = *body;
  updated.extra_metadata = json::serialize(doc);
  updated.saml_entity_id = accepted->entity_id;
  updated.updated_at = deps.clock.now();
  switch (deps.clients.update(updated)) {
    case UpdateResult::kOk: break;
    case UpdateResult::kNotFound:
    case UpdateResult::kStale: return refused("the registration changed meanwhile (the next run tries again)");
    case UpdateResult::kEntityIdTaken: return refused("another application holds its entityID " + accepted->entity_id);
  }
  updated.version = c.version + 1;
  spdlog::info("SAML metadata of {} updated from {}", c.client_id, saml::loggable(url));
  if (deps.audit) deps.audit(c.client_id, json::serialize(to_json(c)), json::serialize(to_json(updated)));
  return Outcome::kUpdated;
}

}  // namespace

std::string refresh_saml_metadata(const MetadataRefreshDeps& deps) {
  std::size_t counts[5] = {};
  for (std::size_t offset = 0;; offset += kPage) {
    const auto page = deps.clients.list(offset, kPage);
    for (const auto& c : page.items) ++counts[static_cast<int>(refresh_one(deps, c))];
    if (page.items.size() < kPage) break;
  }
  const auto n = [&](Outcome o) { return std::to_string(counts[static_cast<int>(o)]); };
  return "SAML metadata URLs: " + n(Outcome::kUpdated) + " updated, " +
         n(Outcome::kUnchanged) + " unchanged, " + n(Outcome::kRefused) + " refused, " + n(Outcome::kNoCertificate) +
         " without a signing certificate";
}

}  // namespace gatehouse::client
