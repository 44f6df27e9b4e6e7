#include "oidc/authorize/authorization_request.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <string_view>

namespace gatehouse::oidc {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

void append_escaped(std::string& out, std::string_view value) {
  for (unsigned char c : value) {
    if (c > 0x20 && c < 0x7f && c != '%' && c != '&' && c != '=') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> unescape(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '%') {
      out += value[i];
      continue;
    }
    if (i + 2 >= value.size()) return std::nullopt;
    const int hi = hex_value(value[i + 1]), lo = hex_value(value[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

using Field = std::string AuthorizationRequest::*;
constexpr std::array<std::pair<std::string_view, Field>, 12> kFields{{
    {"client_id", &AuthorizationRequest::client_id},
    {"redirect_uri", &AuthorizationRequest::redirect_uri},
    {"response_type", &AuthorizationRequest::response_type},
    {"response_mode", &AuthorizationRequest::response_mode},
    {"scope", &AuthorizationRequest::scope},
    {"state", &AuthorizationRequest::state},
    {"nonce", &AuthorizationRequest::nonce},
    {"code_challenge", &AuthorizationRequest::code_challenge},
    {"code_challenge_method", &AuthorizationRequest::code_challenge_method},
    {"prompt", &AuthorizationRequest::prompt},
    {"login_hint", &AuthorizationRequest::login_hint},
    {"acr_values", &AuthorizationRequest::acr_values},
}};

}  // namespace

std::string encode_request(const AuthorizationRequest& request) {
  std::string out;
  for (const auto& [name, field] : kFields) {
    if ((request.*field).empty()) continue;
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    append_escaped(out, request.*field);
  }
  if (request.max_age) {
    if (!out.empty()) out += '&';
    out += "max_age=" + std::to_string(*request.max_age);
  }
  return out;
}

std::optional<AuthorizationRequest> decode_request(std::string_view payload) {
  AuthorizationRequest request;
  while (!payload.empty()) {
    const auto end = std::min(payload.find('&'), payload.size());
    const auto pair = payload.substr(0, end);
    payload.remove_prefix(end == payload.size() ? end : end + 1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    const auto name = pair.substr(0, eq);
    auto value = unescape(pair.substr(eq + 1));
    if (!value) return std::nullopt;
    if (name == "max_age") {
      UnixSeconds v = 0;
      const auto* last = value->data() + value->size();
      if (auto [ptr, ec] = std::from_chars(value->data(), last, v); ec != std::errc() || ptr != last) return std::nullopt;
      request.max_age = v;
      continue;
    }
    for (const auto& [known, field] : kFields)
      if (known == name) request.*field = std::move(*value);
  }
  return request;
}

}  // namespace gatehouse::oidc
