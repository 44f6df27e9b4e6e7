// libFuzzer target for the JSON bodies of the admin API: an application's metadata
// (client::parse_metadata, RFC 7591 names, as POST/PUT /api/applications and kickstart files read
// it), a user (user::parse_profile, /api/users) and a new API key (admin::parse_api_key_request,
// /api/api-keys), each parsed from the body text as admin_http.cpp's read_object does. What a
// registration keeps is then read back the way the front doors read it from the store (the CAS
// registration, back-channel logout, mfa_policy). Any input must give a value or a refusal, never
// a crash, a sanitizer report, a leak or a hang; and what is accepted must come back unchanged
// from its own JSON (a document read with GET can be sent back with PUT). Built and run by
// scripts/fuzz.
//
// The first byte picks the document: 'u' a user, 'k' an API key, anything else an application.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/json.hpp>

#include "admin/api_key_request.hpp"
#include "cas/service_registry.hpp"
#include "client/client_metadata.hpp"
#include "client/logout_members.hpp"
#include "user/user_profile.hpp"

namespace {

namespace json = boost::json;
using namespace gatehouse;

constexpr UnixSeconds kNow = 1'767'225'600;  // 2026-01-01

void application(const json::object& doc) {
  const client::MetadataDefaults defaults;
  auto draft = client::parse_metadata(doc, defaults);
  if (!draft) {
    if (draft.error().message.empty()) __builtin_trap();
    return;
  }
  auto& c = draft->client;
  if (c.client_id.empty()) c.client_id = "generated-id";  // what prepare_new_client does
  // What the stores keep, read back as the CAS, OIDC logout and sign-in code read it.
  if (auto cas = cas::registration_of(c); cas && cas->services.empty()) __builtin_trap();
  (void)client::back_channel_logout(c);
  (void)client::mfa_policy(c);
  // The document GET answers is accepted again and says the same.
  const auto shown = client::to_json(c);
  auto again = client::parse_metadata(shown, defaults);
  if (!again) __builtin_trap();
  if (client::to_json(again->client) != shown) __builtin_trap();
}

void user_document(const json::object& doc) {
  auto draft = user::parse_profile(doc, {true, 8});
  if (!draft) {
    if (draft.error().message.empty()) __builtin_trap();
    return;
  }
  const auto shown = user::to_json(draft->user);
  auto again = user::parse_profile(shown, {false, 8});  // PUT: no password member
  if (!again || user::to_json(again->user) != shown) __builtin_trap();
}

void api_key(const json::object& doc) {
  auto asked = admin::parse_api_key_request(doc, kNow);
  if (!asked) {
    if (asked.error().message.empty()) __builtin_trap();
    return;
  }
  if (asked->description.size() > 200) __builtin_trap();
  if (asked->expires_at && (*asked->expires_at <= kNow || *asked->expires_at > admin::kMaxApiKeyExpiry)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const char kind = static_cast<char>(data[0]);
  boost::system::error_code ec;
  auto value = json::parse(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1), ec);
  if (ec || !value.is_object()) return 0;  // read_object answers 400 invalid_json
  const auto& doc = value.get_object();
  if (kind == 'u') user_document(doc);
  else if (kind == 'k') api_key(doc);
  else application(doc);
  return 0;
}
