#include "app/kickstart.hpp"

#include <fstream>
#include <sstream>

#include <boost/json.hpp>

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

}  // namespace gatehouse::app
