#include "saml/sp_registry.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <map>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

namespace gatehouse::saml {
namespace {

namespace json = boost::json;

// After a failed reload the previous snapshot is served, and the next attempt waits this long.
constexpr UnixSeconds kRetryAfterFailure = 1;

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

std::string describe(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown error";
  }
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

struct SpRegistry::Snapshot {
  Tables tables;
  UnixSeconds loaded_at = 0;
  mutable std::atomic<bool> invalidated{false};
  mutable std::atomic<bool> reloading{false};    // one thread reloads; the others serve this one
  mutable std::atomic<UnixSeconds> retry_at{0};  // after a failed reload

  bool due(UnixSeconds now, std::chrono::seconds ttl) const {
    return (invalidated.load() || now - loaded_at >= ttl.count()) && now >= retry_at.load();
  }
};

SpRegistry::SpRegistry(Loader load, std::chrono::seconds ttl, const Clock& clock)
    : load_(std::move(load)), ttl_(ttl), clock_(clock) {}

SpRegistry::~SpRegistry() = default;

std::shared_ptr<const SpRegistry::Snapshot> SpRegistry::current() const {
  const auto now = clock_.now();
  const auto build = [&] {
    auto next = std::make_shared<Snapshot>();
    next->tables = build_tables(load_());
    next->loaded_at = now;
    return next;
  };
  std::shared_ptr<const Snapshot> snap;
  {
    std::lock_guard lock(mutex_);
    if (!snapshot_) {
      // The first load: concurrent callers wait for it, and its failure is theirs.
      snapshot_ = build();
      return snapshot_;
    }
    snap = snapshot_;
  }
  if (!snap->due(now, ttl_) || snap->reloading.exchange(true)) return snap;
  // This thread reloads outside the lock; the others keep serving `snap` meanwhile. An invalidate()
  // arriving during the load marks `snap` again, and is carried over to the new snapshot.
  snap->invalidated.store(false);
  try {
    std::shared_ptr<Snapshot> next = build();
    std::lock_guard lock(mutex_);
    if (snap->invalidated.load()) next->invalidated.store(true);
    snapshot_ = next;
    snap->reloading.store(false);
    return next;
  } catch (...) {
    spdlog::warn("saml: reloading the service provider registry failed ({}); serving the previous one",
                 describe(std::current_exception()));
    snap->invalidated.store(true);  // still due: a missed change must not wait for the ttl
    snap->retry_at.store(now + kRetryAfterFailure);
    snap->reloading.store(false);
    return snap;
  }
}

std::shared_ptr<const SpRegistration> SpRegistry::by_entity_id(std::string_view entity_id) const {
  const auto snap = current();
  auto it = snap->tables.by_entity.find(entity_id);
  return it == snap->tables.by_entity.end() ? nullptr : it->second;
}

std::shared_ptr<const SpRegistration> SpRegistry::by_client(std::string_view client_id) const {
  const auto snap = current();
  auto it = snap->tables.by_client.find(client_id);
  return it == snap->tables.by_client.end() ? nullptr : it->second;
}

void SpRegistry::invalidate() {
  std::lock_guard lock(mutex_);
  if (snapshot_) snapshot_->invalidated.store(true);
}

}  // namespace gatehouse::saml
