#include "app/kickstart.hpp"

#include <fstream>
#include <sstream>

#include <boost/json.hpp>

#include "admin/admin_api.hpp"
#include "client/registration.hpp"
#include "core/base64url.hpp"
#include "core/log.hpp"

namespace gatehouse::app {
namespace {

namespace json = boost::json;

Unexpected<std::string> fail(std::string where, std::string message) { return unexpected(where + ": " + message); }

bool printable_ascii(std::string_view s) {
  for (char c : s)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

}  // namespace

Result<KickstartPlan, std::string> parse_kickstart(const std::string& text, const client::MetadataDefaults& defaults) {
  boost::system::error_code ec;
  auto doc = json::parse(text, ec);
  if (ec) return unexpected("not valid JSON: " + ec.message());
  if (!doc.is_object()) return unexpected(std::string("the kickstart document must be a JSON object"));
  KickstartPlan plan;
  for (const auto& member : doc.get_object()) {
    const auto name = std::string(member.key());
    if (name != "api_keys" && name != "applications" && name != "users")
      return fail(name, "is not a kickstart section (api_keys, applications, users)");
    if (!member.value().is_array()) return fail(name, "must be an array");
  }
  const auto& root = doc.get_object();
  if (auto it = root.find("api_keys"); it != root.end()) {
    std::size_t i = 0;
    for (const auto& entry : it->value().get_array()) {
      auto where = "api_keys[" + std::to_string(i++) + "]";
      if (!entry.is_object()) return fail(where, "must be an object");
      KickstartApiKey k;
      for (const auto& m : entry.get_object()) {
        if (m.key() == "key" && m.value().is_string()) {
          k.key = ApiKeyValue(std::string(m.value().get_string()));
        } else if (m.key() == "description" && m.value().is_string()) {
          k.description = std::string(m.value().get_string());
        } else {
          return fail(where + "." + std::string(m.key()), "is not a string member of an API key (key, description)");
        }
      }
      if (k.key.reveal().size() < admin::kMinApiKeyLength || !printable_ascii(k.key.reveal()))
        return fail(where + ".key", "must be at least 16 printable ASCII characters without spaces");
      for (const auto& other : plan.api_keys)
        if (other.key.reveal() == k.key.reveal()) return fail(where + ".key", "is listed twice");
      plan.api_keys.push_back(std::move(k));
    }
  }
  if (auto it = root.find("applications"); it != root.end()) {
    std::size_t i = 0;
    for (const auto& entry : it->value().get_array()) {
      auto where = "applications[" + std::to_string(i++) + "]";
      if (!entry.is_object()) return fail(where, "must be an object");
      auto draft = client::parse_metadata(entry.get_object(), defaults);
      if (!draft) return fail(where + "." + draft.error().field, draft.error().message);
      if (draft->client.client_id.empty())
        return fail(where + ".client_id", "is required in a kickstart file (so applying it twice changes nothing)");
      if (draft->client.token_endpoint_auth_method != "none" && !draft->secret)
        return fail(where + ".client_secret", "is required for a confidential application in a kickstart file");
      for (const auto& other : plan.applications)
        if (other.client.client_id == draft->client.client_id) return fail(where + ".client_id", "is listed twice");
      plan.applications.push_back(std::move(*draft));
    }
  }
  if (auto it = root.find("users"); it != root.end()) {
    std::size_t i = 0;
    for (const auto& entry : it->value().get_array())
      if (!entry.is_object()) return fail("users[" + std::to_string(i) + "]", "must be an object");
      else ++i;
    plan.users = i;
  }
  return plan;
}

Result<KickstartPlan, std::string> read_kickstart(const std::string& path, const client::MetadataDefaults& defaults) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected("kickstart file " + path + " cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  auto plan = parse_kickstart(ss.str(), defaults);
  if (!plan) return unexpected("kickstart file " + path + ": " + plan.error());
  return plan;
}

KickstartOutcome apply_kickstart(const KickstartPlan& plan, client::ClientStore& clients, admin::ApiKeyStore& keys,
                                 settings::SettingsStore& ledger, const client::SecretHasher& client_secrets,
                                 const client::SecretHasher& api_key_hasher, const Clock& clock) {
  KickstartOutcome out;
  const auto stamp = std::to_string(clock.now());
  for (const auto& k : plan.api_keys) {
    auto hash = api_key_hasher.hash(k.key.reveal());
    auto marker = "kickstart/api_key/" + base64url_encode(hash);
    if (ledger.get(marker) || keys.find_by_hash(hash)) {
      ++out.api_keys_present;
    } else if (keys.insert(admin::make_api_key(k.key.reveal(), k.description, api_key_hasher, clock.now()))) {
      ++out.api_keys_created;
    } else {
      ++out.api_keys_present;  // another process applied it at the same moment
    }
    ledger.insert_if_absent(marker, stamp);
  }
  for (const auto& draft : plan.applications) {
    auto marker = "kickstart/application/" + draft.client.client_id;
    if (ledger.get(marker) || clients.find(draft.client.client_id)) {
      ++out.applications_present;
    } else if (clients.insert(client::prepare_new_client(draft, client_secrets, clock.now()).client)) {
      ++out.applications_created;
    } else {
      ++out.applications_present;
    }
    ledger.insert_if_absent(marker, stamp);
  }
  if (plan.users > 0) spdlog::warn("kickstart: {} user(s) ignored; users are applied from the sign-in release on", plan.users);
  spdlog::info("kickstart: {} api key(s) created, {} already present or applied before; {} application(s) created, "
               "{} already present or applied before",
               out.api_keys_created, out.api_keys_present, out.applications_created, out.applications_present);
  return out;
}

}  // namespace gatehouse::app
