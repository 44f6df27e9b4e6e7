#include "oauth/client_assertion.hpp"

#include <algorithm>
#include <cmath>

#include <boost/json.hpp>

#include "client/client_keys.hpp"
#include "core/base64url.hpp"
#include "jose/jws.hpp"
#include "oauth/endpoints.hpp"

namespace gatehouse::oauth {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxJtiLength = 256;

/// A NumericDate claim (RFC 7519 §2: may have a fraction, which is dropped). nullopt if absent or
/// not a finite number in range.
std::optional<UnixSeconds> numeric_date(const json::object& claims, std::string_view name) {
  const auto* v = claims.if_contains(name);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX / 2))
    return static_cast<UnixSeconds>(v->get_uint64());
  if (v->is_double() && std::isfinite(v->get_double()) && std::abs(v->get_double()) < 1e15)
    return static_cast<UnixSeconds>(v->get_double());
  return std::nullopt;
}

std::string_view string_claim(const json::object& claims, std::string_view name) {
  const auto* v = claims.if_contains(name);
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

bool names_audience(const json::value* aud, const std::vector<std::string>& ours) {
  auto ours_has = [&](const json::value& v) {
    return v.is_string() && std::find(ours.begin(), ours.end(), std::string_view(v.get_string())) != ours.end();
  };
  if (aud == nullptr) return false;
  if (aud->is_string()) return ours_has(*aud);
  if (!aud->is_array()) return false;
  const auto& list = aud->get_array();
  return std::any_of(list.begin(), list.end(), ours_has);
}

}  // namespace

ClientAssertionVerifier::ClientAssertionVerifier(std::string issuer, token::ReplayStore& replays, const Clock& clock,
                                                 AssertionPolicy policy)
    : issuer_(std::move(issuer)), replays_(replays), clock_(clock), policy_(policy) {}

Result<void, std::string> ClientAssertionVerifier::verify(std::string_view assertion, const client::Client& client,
                                                          std::string_view endpoint_path) const {
  const auto keys = client::load_client_keys(client.jwks);
  if (keys.empty()) return unexpected("client " + client.client_id + " has no usable keys");
  auto verified = jose::jws_verify(assertion, [&](std::string_view kid, jose::Algorithm alg) -> const jose::KeyPair* {
    const jose::KeyPair* only = nullptr;
    int of_alg = 0;
    for (const auto& k : keys) {
      if (!kid.empty() && k.kid == kid) return &k.key;
      if (kid.empty() && k.key.algorithm() == alg) {
        only = &k.key;
        ++of_alg;
      }
    }
    return of_alg == 1 ? only : nullptr;  // without a kid, only an unambiguous key will do
  });
  if (!verified) return unexpected("client assertion: " + verified.error());

  boost::system::error_code ec;
  auto payload = json::parse(verified->payload, ec);
  if (ec || !payload.is_object()) return unexpected(std::string("client assertion: payload is not a JSON object"));
  const auto& claims = payload.get_object();
  if (string_claim(claims, "iss") != client.client_id || string_claim(claims, "sub") != client.client_id)
    return unexpected("client assertion: iss and sub must both be " + client.client_id);
  const std::vector<std::string> audiences{issuer_, issuer_ + std::string(kTokenPath), issuer_ + std::string(endpoint_path)};
  if (!names_audience(claims.if_contains("aud"), audiences))
    return unexpected("client assertion: aud names neither the issuer nor the token endpoint");

  const UnixSeconds now = clock_.now();
  const auto leeway = static_cast<UnixSeconds>(policy_.leeway.count());
  const auto exp = numeric_date(claims, "exp");
  if (!exp) return unexpected(std::string("client assertion: exp is missing or not a number"));
  if (*exp + leeway < now) return unexpected(std::string("client assertion: expired"));
  if (*exp - now > static_cast<UnixSeconds>(policy_.max_lifetime.count()) + leeway)
    return unexpected("client assertion: exp is more than " + std::to_string(policy_.max_lifetime.count()) +
                      " s ahead");
  for (std::string_view name : {"nbf", "iat"}) {
    if (!claims.contains(name)) continue;
    const auto t = numeric_date(claims, name);
    if (!t) return unexpected("client assertion: " + std::string(name) + " is not a number");
    if (*t > now + leeway) return unexpected("client assertion: " + std::string(name) + " is in the future");
  }
  const auto jti = string_claim(claims, "jti");
  if (jti.empty() || jti.size() > kMaxJtiLength)
    return unexpected(std::string("client assertion: jti must be a string of 1 to 256 characters"));
  // Remembered until the assertion could no longer pass the exp check above.
  if (!replays_.first_use(client.client_id + ' ' + std::string(jti), *exp + leeway, now))
    return unexpected("client assertion: jti was already used (replay)");
  return {};
}

std::optional<std::string> assertion_client_id(std::string_view assertion) {
  const auto first = assertion.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const auto second = assertion.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  auto payload = base64url_decode(assertion.substr(first + 1, second - first - 1));
  if (!payload) return std::nullopt;
  boost::system::error_code ec;
  auto doc = json::parse(*payload, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  for (std::string_view name : {"sub", "iss"})
    if (auto v = string_claim(doc.get_object(), name); !v.empty()) return std::string(v);
  return std::nullopt;
}

}  // namespace gatehouse::oauth
