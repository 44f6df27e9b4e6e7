#include "saml/binding.hpp"

#include <algorithm>

#include "oauth/form.hpp"
#include "saml/dsig.hpp"
#include "saml/encoding.hpp"
#include "saml/redirect_signature.hpp"
#include "signin/pages.hpp"

namespace gatehouse::saml {

Result<Received, std::string> receive(const http::Request& request, const std::vector<std::string_view>& accepted) {
  Received r;
  std::string xml;
  const auto takes = [&](std::string_view p) { return std::find(accepted.begin(), accepted.end(), p) != accepted.end(); };
  if (request.method == "GET") {
    auto q = parse_redirect_query(request.query, kMaxQueryBytes);
    if (!q) return unexpected(q.error());
    if (!takes(q->parameter)) return unexpected("this endpoint takes no " + q->parameter);
    auto deflated = base64_decode(q->message);
    if (!deflated) return unexpected(q->parameter + " is not base64");
    auto inflated = inflate_raw(*deflated, kMaxMessageBytes);
    if (!inflated) return unexpected(q->parameter + ": " + inflated.error());
    xml = std::move(*inflated);
    r.parameter = q->parameter;
    r.redirect = true;
    r.relay_state = q->relay_state.value_or("");
    r.sig_alg = q->sig_alg.value_or("");
    r.signature = q->signature;
    r.signed_octets = q->signed_octets;
  } else {
    auto form = oauth::parse_form(request);
    if (!form) return unexpected(std::string("the form could not be read"));
    for (auto p : accepted) {
      const auto* message = form->get(p);
      if (message == nullptr) continue;
      if (!r.parameter.empty()) return unexpected(std::string("the form carries two messages"));
      if (message->size() > kMaxMessageBytes * 4 / 3 + 4) return unexpected(std::string(p) + " is too large");
      auto decoded = base64_decode(*message);
      if (!decoded) return unexpected(std::string(p) + " is not base64");
      xml = std::move(*decoded);
      r.parameter = p;
    }
    if (r.parameter.empty()) return unexpected(std::string("the form carries no SAML message"));
    r.relay_state = form->value("RelayState");
  }
  if (r.relay_state.size() > kMaxRelayState) return unexpected(std::string("RelayState is too long"));
  auto doc = parse(xml, kMaxMessageBytes);
  if (!doc) return unexpected("the message is not acceptable XML: " + doc.error());
  r.doc = std::move(*doc);
  return r;
}

Result<void, std::string> check_signature(Received& r, xmlNodePtr element, bool has_enveloped,
                                          const std::vector<TrustedKey>& keys, bool required) {
  if (r.redirect && has_enveloped) return unexpected(std::string("the Redirect binding carries no enveloped signature"));
  if (r.redirect && !r.signature.empty()) {
    if (auto ok = verify_redirect_signature(r.signed_octets, r.sig_alg, r.signature, keys); !ok)
      return unexpected("the signature does not verify: " + ok.error());
  } else if (has_enveloped) {
    if (auto ok = verify_enveloped(r.doc, element, keys); !ok) return unexpected("the signature does not verify: " + ok.error());
  } else if (required) {
    return unexpected(std::string("the message is not signed"));
  }
  return {};
}

namespace {

/// Whether `s` is only base64 characters (letters, digits, '+', '/', '='), none of which HTML escapes.
bool is_base64_text(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
           c == '=';
  });
}

}  // namespace

http::Response post_page(const std::string& url, std::string_view field, const std::string& value,
                         const std::string& relay_state) {
  // The value is a base64 message: escaping its ~5 KiB character by character was 3 % of the
  // node's CPU per SSO round trip (bench/run), for no change. Anything else is escaped.
  const bool plain = is_base64_text(value);
  std::string body =
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Continue</title>"
      "<script src=\"/assets/saml-post.js\" defer></script></head><body>\n<form method=\"post\" action=\"" +
      signin::html_escape(url) + "\" id=\"saml-post\">\n<input type=\"hidden\" name=\"" + std::string(field) +
      "\" value=\"" + (plain ? value : signin::html_escape(value)) + "\">\n";
  if (!relay_state.empty())
    body += "<input type=\"hidden\" name=\"RelayState\" value=\"" + signin::html_escape(relay_state) + "\">\n";
  body += "<noscript><button type=\"submit\">Continue</button></noscript>\n</form>\n</body></html>\n";
  auto r = signin::html_page(200, std::move(body));
  // The page posts to the SP: its CSP allows that form target, by origin only.
  const auto authority = url.find("://");
  const auto origin = url.substr(0, url.find_first_of("/?#;,'", authority + 3));
  r.set("Content-Security-Policy", "default-src 'self'; form-action " + origin + "; frame-ancestors 'none'");
  return r;
}

}  // namespace gatehouse::saml
