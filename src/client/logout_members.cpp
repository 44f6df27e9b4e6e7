#include "client/logout_members.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

namespace gatehouse::client {

namespace json = boost::json;

std::string check_back_channel_logout_uri(const json::value& value) {
  if (!value.is_string()) return "must be a string";
  const std::string_view uri = value.get_string();
  if (uri.empty() || uri.size() > kMaxLogoutUriLength) return "must be 1 to 2000 characters";
  auto parsed = boost::urls::parse_uri(uri);  // with a fragment, so that it is named
  if (!parsed || parsed->host().empty()) return "'" + std::string(uri) + "' is not an absolute URI with a host";
  if (parsed->scheme() != "https" && parsed->scheme() != "http")
    return "'" + std::string(uri) + "' must use https (or http, for a confidential client)";
  if (parsed->has_userinfo()) return "'" + std::string(uri) + "' must not contain user information (@)";
  if (parsed->encoded_host().find('%') != std::string_view::npos)
    return "'" + std::string(uri) + "' must not percent-encode its host";
  if (parsed->has_fragment()) return "'" + std::string(uri) + "' must not contain a fragment";
  return "";
}

std::string check_back_channel_logout_client(const json::object& doc, const Client& c) {
  const auto* v = doc.if_contains("backchannel_logout_uri");
  if (v == nullptr || !v->is_string()) return "";  // absent or null (the member check refuses the rest)
  // A public client is anyone's to impersonate: its logout tokens go over TLS only.
  if (std::string_view(v->get_string()).starts_with("http:") && c.token_endpoint_auth_method == "none")
    return "must use https for a public client (token_endpoint_auth_method none); http is allowed for confidential "
           "clients only (OpenID Connect Back-Channel Logout section 2.2)";
  return "";
}

std::optional<BackChannelLogout> back_channel_logout(const Client& client) {
  // The common case, a client without it, costs no parse.
  if (client.extra_metadata.find("\"backchannel_logout_uri\"") == std::string::npos) return std::nullopt;
  boost::system::error_code ec;
  auto extra = json::parse(client.extra_metadata, ec);
  if (ec || !extra.is_object()) return std::nullopt;
  const auto& o = extra.get_object();
  const auto* uri = o.if_contains("backchannel_logout_uri");
  if (uri == nullptr || !uri->is_string() || uri->get_string().empty()) return std::nullopt;
  BackChannelLogout out{std::string(uri->get_string()), false};
  const auto* required = o.if_contains("backchannel_logout_session_required");
  if (required != nullptr && required->is_bool()) out.session_required = required->get_bool();
  return out;
}

}  // namespace gatehouse::client
