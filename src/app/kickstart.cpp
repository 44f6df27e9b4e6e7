#include "app/kickstart.hpp"

#include <fstream>
#include <sstream>

#include <boost/json.hpp>

#include "admin/admin_api.hpp"
#include "client/registration.hpp"
#include "core/base64url.hpp"
#include "core/log.hpp"
#include "jose/openssl/crypto.hpp"

namespace gatehouse::app {
namespace {

namespace json = boost::json;

Unexpected<std::string> fail(std::string where, std::string message) { return unexpected(where + ": " + message); }

bool printable_ascii(std::string_view s) {
  for (char c : s)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

std::string ascii_lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

}  // namespace

Result<KickstartPlan, std::string> parse_kickstart(const std::string& text, const KickstartRules& rules) {
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
        } else if (m.key() == "role") {
          auto role = m.value().is_string() ? admin::api_key_role_from(m.value().get_string()) : std::nullopt;
          if (!role) return fail(where + ".role", "must be \"admin\" or \"read_only\"");
          k.role = *role;
        } else if (m.key() == "expires_at") {
          // Unix seconds; a time already past is allowed (the key is then refused), null is never.
          if (m.value().is_null()) continue;
          if (!m.value().is_int64() || m.value().get_int64() < 0)
            return fail(where + ".expires_at", "must be null or a time in Unix seconds");
          k.expires_at = m.value().get_int64();
        } else {
          return fail(where + "." + std::string(m.key()),
                      "is not a member of an API key (key, description: strings; role; expires_at)");
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
      auto draft = client::parse_metadata(entry.get_object(), rules.metadata);
      if (!draft) return fail(where + "." + draft.error().field, draft.error().message);
      if (draft->client.client_id.empty())
        return fail(where + ".client_id", "is required in a kickstart file (so applying it twice changes nothing)");
      if (client::uses_secret(draft->client) && !draft->secret)
        return fail(where + ".client_secret", "is required for a confidential application in a kickstart file");
      for (const auto& other : plan.applications)
        if (other.client.client_id == draft->client.client_id) return fail(where + ".client_id", "is listed twice");
      plan.applications.push_back(std::move(*draft));
    }
  }
  if (auto it = root.find("users"); it != root.end()) {
    std::size_t i = 0;
    for (const auto& entry : it->value().get_array()) {
      auto where = "users[" + std::to_string(i++) + "]";
      if (!entry.is_object()) return fail(where, "must be an object");
      auto draft = user::parse_profile(entry.get_object(), {true, rules.min_password_length});
      if (!draft) return fail(where + "." + draft.error().field, draft.error().message);
      for (const auto& other : plan.users)
        if (ascii_lower(other.user.username) == ascii_lower(draft->user.username))
          return fail(where + ".username", "is listed twice");
      plan.users.push_back(std::move(*draft));
    }
  }
  return plan;
}

Result<KickstartPlan, std::string> read_kickstart(const std::string& path, const KickstartRules& rules) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected("kickstart file " + path + " cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  auto plan = parse_kickstart(ss.str(), rules);
  if (!plan) return unexpected("kickstart file " + path + ": " + plan.error());
  return plan;
}

KickstartOutcome apply_kickstart(const KickstartPlan& plan, const KickstartTargets& to) {
  KickstartOutcome out;
  const auto stamp = std::to_string(to.clock.now());
  for (const auto& k : plan.api_keys) {
    auto hash = to.api_key_hasher.hash(k.key.reveal());
    auto marker = "kickstart/api_key/" + base64url_encode(hash);
    if (to.ledger.get(marker) || to.api_keys.find_by_hash(hash)) {
      ++out.api_keys_present;
    } else {
      auto record = admin::make_api_key(k.key.reveal(), k.description, to.api_key_hasher, to.clock.now());
      record.role = k.role;
      record.expires_at = k.expires_at;
      if (to.api_keys.insert(record)) ++out.api_keys_created;
      else ++out.api_keys_present;  // another process applied it at the same moment
    }
    to.ledger.insert_if_absent(marker, stamp);
  }
  for (const auto& draft : plan.applications) {
    auto marker = "kickstart/application/" + draft.client.client_id;
    if (to.ledger.get(marker) || to.clients.find(draft.client.client_id)) {
      ++out.applications_present;
    } else if (to.clients.insert(client::prepare_new_client(draft, to.client_secrets, to.clock.now()).client)) {
      ++out.applications_created;
    } else {
      ++out.applications_present;
    }
    to.ledger.insert_if_absent(marker, stamp);
  }
  for (const auto& draft : plan.users) {
    auto marker = "kickstart/user/" + ascii_lower(draft.user.username);
    if (to.ledger.get(marker) || to.users.find_by_username(draft.user.username)) {
      ++out.users_present;
    } else {
      auto u = draft.user;
      u.id = jose::random_token(16);
      if (draft.password) u.password_hash = to.passwords.hash(*draft.password);
      u.created_at = u.updated_at = to.clock.now();
      if (to.users.insert(u) == user::UserWriteResult::kOk) {
        ++out.users_created;
        // Only once the user exists, and only for a user this run created: an existing user's
        // factors are never replaced by a file applied again.
        if (draft.totp_seed && to.factors != nullptr) to.factors->import_totp(u.id, *draft.totp_seed);
      } else {
        ++out.users_present;
      }
    }
    to.ledger.insert_if_absent(marker, stamp);
  }
  spdlog::info("kickstart: {} api key(s), {} application(s), {} user(s) created; {}, {}, {} already present or "
               "applied before",
               out.api_keys_created, out.applications_created, out.users_created, out.api_keys_present,
               out.applications_present, out.users_present);
  return out;
}

}  // namespace gatehouse::app
