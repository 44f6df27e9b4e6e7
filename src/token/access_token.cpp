#include "token/access_token.hpp"

#include <boost/json.hpp>

#include "jose/openssl/crypto.hpp"
#include "token/revocation_store.hpp"

namespace gatehouse::token {
namespace {

namespace json = boost::json;

bool get_string(const json::object& o, std::string_view name, std::string& out) {
  auto it = o.find(name);
  if (it == o.end() || !it->value().is_string()) return false;
  out = std::string(it->value().get_string());
  return true;
}

bool get_int(const json::object& o, std::string_view name, UnixSeconds& out) {
  auto it = o.find(name);
  if (it == o.end()) return false;
  if (it->value().is_int64()) out = it->value().get_int64();
  else if (it->value().is_uint64() && it->value().get_uint64() < (1ull << 62)) out = static_cast<UnixSeconds>(it->value().get_uint64());
  else return false;
  return true;
}

}  // namespace

std::optional<std::string> AccessTokenCodec::sign(const json::object& claims, jose::Algorithm alg,
                                                  std::string_view typ) const {
  auto set = ring_.current();
  const auto* key = set->signer(alg);
  if (key == nullptr) return std::nullopt;
  return jose::jws_sign(*key->pair, key->kid, typ, json::serialize(claims));
}

std::optional<std::string> AccessTokenCodec::issue(const AccessTokenClaims& c, jose::Algorithm alg) const {
  json::object payload;
  payload.reserve(9);
  payload["iss"] = c.iss;
  payload["sub"] = c.sub;
  if (c.aud.size() == 1) {
    payload["aud"] = c.aud.front();
  } else {
    json::array aud;
    for (const auto& a : c.aud) aud.emplace_back(a);
    payload["aud"] = std::move(aud);
  }
  payload["client_id"] = c.client_id;
  if (!c.scope.empty()) payload["scope"] = c.scope;
  payload["iat"] = c.iat;
  payload["exp"] = c.exp;
  payload["jti"] = c.jti;
  return sign(payload, alg, "at+jwt");
}

std::optional<json::object> AccessTokenCodec::decode_own_jwt(std::string_view token) const {
  auto set = ring_.current();
  auto verified = jose::jws_verify(
      token, [&set](std::string_view kid, jose::Algorithm alg) { return set->verifier(kid, alg); });
  if (!verified) return std::nullopt;
  // Never an access token or a Logout Token where an ID token is expected (RFC 9068 §4 and
  // Back-Channel Logout §4.1: typ tells them apart).
  if (auto typ = verified->header.find("typ"); typ != verified->header.end() && typ->value().is_string()) {
    std::string_view t = typ->value().get_string();
    if (t.starts_with("application/")) t.remove_prefix(12);
    if (t == "at+jwt" || t == "logout+jwt") return std::nullopt;
  }
  boost::system::error_code ec;
  auto parsed = json::parse(verified->payload, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  auto& o = parsed.get_object();
  std::string iss;
  if (!get_string(o, "iss", iss) || iss != issuer_) return std::nullopt;
  return std::move(o);
}

std::optional<AccessTokenClaims> AccessTokenCodec::decode(std::string_view token) const {
  auto set = ring_.current();
  auto verified = jose::jws_verify(
      token, [&set](std::string_view kid, jose::Algorithm alg) { return set->verifier(kid, alg); });
  if (!verified) return std::nullopt;
  auto typ = verified->header.find("typ");
  if (typ == verified->header.end() || !typ->value().is_string()) return std::nullopt;
  std::string_view t = typ->value().get_string();
  if (t != "at+jwt" && t != "application/at+jwt") return std::nullopt;

  boost::system::error_code ec;
  auto parsed = json::parse(verified->payload, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  const auto& o = parsed.get_object();
  AccessTokenClaims c;
  if (!get_string(o, "iss", c.iss) || c.iss != issuer_) return std::nullopt;
  if (!get_string(o, "sub", c.sub) || !get_string(o, "client_id", c.client_id) || !get_string(o, "jti", c.jti))
    return std::nullopt;
  if (!get_int(o, "iat", c.iat) || !get_int(o, "exp", c.exp)) return std::nullopt;
  if (o.contains("scope") && !get_string(o, "scope", c.scope)) return std::nullopt;
  auto aud = o.find("aud");
  if (aud == o.end()) return std::nullopt;
  if (aud->value().is_string()) {
    c.aud.emplace_back(aud->value().get_string());
  } else if (aud->value().is_array()) {
    for (const auto& a : aud->value().get_array()) {
      if (!a.is_string()) return std::nullopt;
      c.aud.emplace_back(a.get_string());
    }
  } else {
    return std::nullopt;
  }
  return c;
}

std::string grant_jti(const std::string& grant_id) { return grant_id + "." + jose::random_token(12); }

}  // namespace gatehouse::token
