#include "admin/api_key_request.hpp"

#include <boost/json.hpp>

namespace gatehouse::admin {

Result<ApiKeyRequest, ApiKeyRequestError> parse_api_key_request(const boost::json::object& doc, UnixSeconds now) {
  ApiKeyRequest out;
  for (const auto& m : doc) {
    if (m.key() == "description") {
      if (!m.value().is_string() || m.value().get_string().size() > 200)
        return unexpected(ApiKeyRequestError{"description", "description must be a string of at most 200 characters"});
      out.description = std::string(m.value().get_string());
    } else if (m.key() == "role") {
      auto named = m.value().is_string() ? api_key_role_from(m.value().get_string()) : std::nullopt;
      if (!named) return unexpected(ApiKeyRequestError{"role", "role must be \"admin\" or \"read_only\""});
      out.role = *named;
    } else if (m.key() == "expires_at") {
      if (m.value().is_null()) continue;  // never
      if (!m.value().is_int64() || m.value().get_int64() <= now || m.value().get_int64() > kMaxApiKeyExpiry)
        return unexpected(
            ApiKeyRequestError{"expires_at", "expires_at must be null or a time in the future (Unix seconds)"});
      out.expires_at = m.value().get_int64();
    } else {
      return unexpected(ApiKeyRequestError{
          std::string(m.key()), std::string(m.key()) + " is not a supported member (description, role, expires_at)"});
    }
  }
  return out;
}

}  // namespace gatehouse::admin
