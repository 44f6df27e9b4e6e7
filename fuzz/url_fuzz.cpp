// libFuzzer target for the validation of URLs others give us: redirect_uris and
// post_logout_redirect_uris as registration accepts them (client::parse_metadata, which the exact
// matching at /authorize and /logout then compares byte for byte), backchannel_logout_uri,
// saml_metadata_url, and CAS service URLs against exact, prefix and regex patterns
// (cas::matches, the registry's lookup tables, proxy callbacks), with the address checks behind
// proxy callbacks (http::is_public_address). Any input must give an answer, never a crash, a
// sanitizer report, a leak or a hang; what is accepted must hold what the rules promise, and the
// registry must find a service exactly when its pattern matches. Built and run by scripts/fuzz.
//
// The first byte picks the CAS pattern's kind (0 exact, 1 prefix, 2 regex, by its value mod 3);
// the rest is a pattern and a URL separated by the first newline (the URL alone is also its own
// pattern when there is no newline).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "cas/service_registry.hpp"
#include "client/cas_members.hpp"
#include "client/client_metadata.hpp"
#include "client/logout_members.hpp"
#include "client/saml_members.hpp"
#include "core/utf8.hpp"
#include "http/address.hpp"

namespace {

namespace json = boost::json;
using namespace gatehouse;

bool http_url(std::string_view url) { return url.starts_with("http://") || url.starts_with("https://"); }

bool printable(std::string_view s) {
  for (char c : s)
    if (c <= 0x20 || c >= 0x7f) return false;
  return true;
}

/// Whether `s` could be a string of a parsed JSON document: UTF-8, zero bytes allowed (\u0000).
bool json_text(std::string s) {
  std::replace(s.begin(), s.end(), '\0', ' ');
  return is_utf8_text(s);
}

void check_registration(const std::string& url) {
  json::object doc{{"client_id", "c"},
                   {"grant_types", json::array{"authorization_code"}},
                   {"token_endpoint_auth_method", "none"},
                   {"redirect_uris", json::array{json::string(url)}},
                   {"post_logout_redirect_uris", json::array{json::string(url)}}};
  auto draft = client::parse_metadata(doc, {});
  if (!draft) return;
  // Kept exactly as given (matching is byte for byte), absolute and without a fragment.
  if (draft->client.redirect_uris.size() != 1 || draft->client.redirect_uris[0] != url) __builtin_trap();
  if (url.find('#') != std::string::npos || url.find(':') == std::string::npos) __builtin_trap();
}

void check_members(const std::string& url) {
  const json::value value(json::string{url});
  if (client::check_back_channel_logout_uri(value).empty() && (!http_url(url) || url.find('#') != std::string::npos))
    __builtin_trap();
  if (client::check_saml_member("saml_metadata_url", value).empty() && !url.starts_with("https://")) __builtin_trap();
  (void)client::check_saml_member("saml_affiliation", value);
}

void check_cas(cas::MatchKind kind, const std::string& pattern, const std::string& url, bool registrable) {
  static constexpr const char* kNames[] = {"exact", "prefix", "regex"};
  const cas::ServicePattern p{kind, pattern};
  const bool matched = cas::matches(p, url);
  if (matched && (!http_url(url) || !printable(url) || url.size() > cas::kMaxServiceLength)) __builtin_trap();
  if (matched && kind == cas::MatchKind::kExact && url != pattern) __builtin_trap();
  if (matched && kind == cas::MatchKind::kPrefix && !url.starts_with(pattern)) __builtin_trap();

  // The same pattern registered: the registry finds the service exactly when the pattern matches.
  if (!registrable) return;
  json::object entry{{"match", kNames[static_cast<int>(kind)]}, {"url", json::string(pattern)}};
  const json::value services(json::array{entry});
  if (!client::check_cas_member("cas_services", services).empty()) return;  // registration refuses it
  client::Client c;
  c.client_id = "cas-app";
  c.extra_metadata = json::serialize(json::object{{"cas_services", services}, {"cas_proxy_callbacks", services}});
  static const FixedClock clock(1'767'225'600);
  cas::ServiceRegistry registry([&] { return std::vector<client::Client>{c}; }, std::chrono::seconds(60), clock);
  if ((registry.find(url) != nullptr) != matched) __builtin_trap();
  const auto registration = cas::registration_of(c);
  if (!registration) __builtin_trap();
  if (cas::ServiceRegistry::proxy_callback_allowed(*registration, url) && !url.starts_with("https://")) __builtin_trap();
}

void check_address(const std::string& text) {
  auto ip = http::IpAddress::parse(text);
  (void)http::is_public_address(text);
  if (!ip) return;
  auto again = http::IpAddress::parse(ip->to_string());
  if (!again || again->bytes != ip->bytes || again->v4 != ip->v4) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto kind = static_cast<cas::MatchKind>(data[0] % 3);
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto newline = rest.find('\n');
  const std::string url(newline == std::string_view::npos ? rest : rest.substr(newline + 1));
  const std::string pattern(newline == std::string_view::npos ? rest : rest.substr(0, newline));
  // A string in a parsed JSON document is UTF-8 (zero bytes included, as \u0000): only such
  // strings can reach the registration checks.
  if (json_text(url)) {
    check_registration(url);
    check_members(url);
  }
  check_cas(kind, pattern, url, json_text(pattern));
  check_address(url);
  return 0;
}
