// libFuzzer target for form bodies and query strings (application/x-www-form-urlencoded):
// http::percent_decode and percent_encode (src/http/percent.cpp), oauth::parse_urlencoded and
// parse_form (src/oauth/form.cpp: every front door's query string, and the token, sign-in and
// account forms), and the client credentials a token request carries in its form and its
// Authorization header (oauth::presented_credentials: Basic, client_secret_post, assertions).
// Any input must give a value or a refusal, never a crash, a sanitizer report, a leak or a hang;
// percent-encoding must round-trip, and an accepted form must read back the same.
// Built and run by scripts/fuzz.
//
// The first byte sets the request up: bit 0 an Authorization header (the text up to the first
// newline), bit 1 a Content-Type other than application/x-www-form-urlencoded. The rest is the
// body, which is also read as a query string.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/utf8.hpp"
#include "http/percent.hpp"
#include "oauth/client_auth.hpp"
#include "oauth/form.hpp"

namespace {

using namespace gatehouse;

void check_percent(std::string_view text) {
  std::string decoded;
  for (bool plus : {false, true}) {
    if (http::percent_decode(text, decoded, plus) && decoded.size() > text.size()) __builtin_trap();
    std::string back;
    if (!http::percent_decode(http::percent_encode(text), back, plus) || back != text) __builtin_trap();
  }
}

void check_credentials(const http::Request& request, const oauth::Form& form) {
  auto presented = oauth::presented_credentials(request, form);
  if (!presented) return;
  const auto& p = *presented;
  if (p.method != "client_secret_basic" && p.method != "client_secret_post" && p.method != "private_key_jwt" &&
      p.method != "none")
    __builtin_trap();
  // Checked before any store sees the id (PostgreSQL refuses other bytes in text).
  if (!is_utf8_text(p.client_id)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t setup = data[0];
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  http::Request request;
  request.method = "POST";
  request.target = request.path = "/oauth2/token";
  if ((setup & 1) != 0) {
    const auto newline = body.find('\n');
    request.headers.push_back({"authorization", std::string(body.substr(0, newline))});
    body = newline == std::string_view::npos ? std::string_view() : body.substr(newline + 1);
  }
  request.headers.push_back({"content-type", (setup & 2) != 0 ? "application/json" : "Application/X-WWW-Form-Urlencoded; charset=UTF-8"});
  request.body = std::string(body);
  request.query = request.body;

  check_percent(body);
  auto as_query = oauth::parse_urlencoded(request.query);
  auto as_form = oauth::parse_form(request);
  if ((setup & 2) == 0 && as_form.has_value() != as_query.has_value()) __builtin_trap();
  if ((setup & 2) != 0 && as_form.has_value()) __builtin_trap();
  if (as_form) check_credentials(request, *as_form);
  return 0;
}
