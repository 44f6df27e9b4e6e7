#include "saml/sp_registry.hpp"

#include <algorithm>
#include <map>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "core/reloading_snapshot.hpp"

namespace gatehouse::saml {
namespace {

namespace json = boost::json;

std::string string_member(const json::object& doc, std::string_view name) {
  const auto* v = doc.if_contains(name);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::optional<bool> bool_member(const json::object& doc, std::string_view name) {
  const auto* v = doc.if_contains(name);
  if (v == nullptr || !v->is_bool()) return std::nullopt;
  return v->get_bool();
}

using Index = std::map<std::string, std::shared_ptr<const SpRegistration>, std::less<>>;

struct Tables {
  Index by_entity;
  Index by_client;
};

Tables build_tables(const std::vector<SpSource>& sources) {
  Tables t;
  for (const auto& source : sources) {
    auto r = registration_of(source);
    if (!r) {
      spdlog::warn("saml: application {}: its saml_metadata no longer parses ({}); it is left out", source.client_id,
                   r.error());
      continue;
    }
    if (!*r) continue;
    auto registration = std::make_shared<const SpRegistration>(std::move(**r));
    t.by_client.emplace(registration->client_id, registration);
  }
  // The store keeps entity IDs unique; should two rows still share one, the lowest client_id keeps it.
  for (const auto& [client_id, registration] : t.by_client)
    if (!t.by_entity.emplace(registration->entity_id, registration).second)
      spdlog::warn("saml: application {}: entityID {} is already registered to {}; it is not found by entityID", client_id,
                   registration->entity_id, t.by_entity.at(registration->entity_id)->client_id);
  return t;
}

}  // namespace

Result<std::optional<SpRegistration>, std::string> registration_of(const SpSource& source) {
  if (source.extra_metadata.find("\"saml_metadata\"") == std::string::npos) return std::optional<SpRegistration>();  // no parse
  boost::system::error_code ec;
  auto extra = json::parse(source.extra_metadata, ec);
  if (ec || !extra.is_object()) return std::optional<SpRegistration>();
  const auto& doc = extra.get_object();
  const auto xml = string_member(doc, "saml_metadata");
  if (xml.empty()) return std::optional<SpRegistration>();
  auto metadata = parse_sp_metadata(std::string_view(xml));
  if (!metadata) return unexpected(metadata.error());
  SpRegistration r;
  r.client_id = source.client_id;
  r.name = source.name.empty() ? source.client_id : source.name;
  r.entity_id = metadata->entity_id;
  r.require_signed_requests = bool_member(doc, "saml_require_signed_requests").value_or(metadata->authn_requests_signed);
  r.metadata = std::move(*metadata);
  r.metadata_url = string_member(doc, "saml_metadata_url");
  if (const auto* list = doc.if_contains("saml_attributes"); list != nullptr && list->is_array())
    for (const auto& name : list->get_array())
      if (name.is_string()) r.attributes.emplace_back(name.get_string());
  r.nameid_format = std::string(nameid_format_uri(string_member(doc, "saml_nameid_format")));
  const auto sign = string_member(doc, "saml_sign");
  r.sign = sign == "response" ? SignWhat::kResponse : sign == "both" ? SignWhat::kBoth : SignWhat::kAssertion;
  r.encrypt = bool_member(doc, "saml_encrypt").value_or(false);
  r.allow_idp_initiated = bool_member(doc, "saml_allow_idp_initiated").value_or(false);
  r.affiliation = string_member(doc, "saml_affiliation");
  r.mfa_policy = source.mfa_policy;
  return std::optional<SpRegistration>(std::move(r));
}

struct SpRegistry::State {
  State(Loader load, std::chrono::seconds ttl, const Clock& clock)
      : tables([load = std::move(load)] { return build_tables(load()); }, ttl, clock, "saml",
               "service provider registry") {}
  ReloadingSnapshot<Tables> tables;
};

SpRegistry::SpRegistry(Loader load, std::chrono::seconds ttl, const Clock& clock)
    : state_(std::make_unique<State>(std::move(load), ttl, clock)) {}

SpRegistry::~SpRegistry() = default;

std::shared_ptr<const SpRegistration> SpRegistry::by_entity_id(std::string_view entity_id) const {
  const auto snap = state_->tables.current();
  auto it = snap->by_entity.find(entity_id);
  return it == snap->by_entity.end() ? nullptr : it->second;
}

std::shared_ptr<const SpRegistration> SpRegistry::by_client(std::string_view client_id) const {
  const auto snap = state_->tables.current();
  auto it = snap->by_client.find(client_id);
  return it == snap->by_client.end() ? nullptr : it->second;
}

void SpRegistry::invalidate() { state_->tables.invalidate(); }

}  // namespace gatehouse::saml
