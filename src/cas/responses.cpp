#include "cas/responses.hpp"

#include <cstdint>

#include <boost/json.hpp>

namespace gatehouse::cas {
namespace {

namespace json = boost::json;

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

/// The length of the well-formed UTF-8 sequence at s[i] and its code point; 0 when it is not one
/// (overlong forms, surrogates and values above U+10FFFF are not).
std::size_t decode(std::string_view s, std::size_t i, char32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  std::size_t n = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) n = 2, cp = b0 & 0x1F, min = 0x80;
  else if ((b0 & 0xF0) == 0xE0) n = 3, cp = b0 & 0x0F, min = 0x800;
  else if ((b0 & 0xF8) == 0xF0) n = 4, cp = b0 & 0x07, min = 0x10000;
  else return 0;
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

bool xml_char(char32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
         cp >= 0x10000;
}

/// `s` with every ill-formed UTF-8 sequence replaced by U+FFFD (for JSON strings).
std::string clean_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const auto n = decode(s, i, cp);
    if (n == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

const char* kNamespace = "http://www.yale.edu/tp/cas";

http::Response xml_response(std::string body) {
  http::Response r;
  r.body = std::move(body);
  r.set("Content-Type", "application/xml; charset=utf-8");
  r.set("Cache-Control", "no-store");
  return r;
}

http::Response json_answer(const json::object& o) {
  http::Response r;
  r.body = json::serialize(o);
  r.set("Content-Type", "application/json; charset=utf-8");
  r.set("Cache-Control", "no-store");
  return r;
}

std::string element(std::string_view name, std::string_view value) {
  return "<cas:" + std::string(name) + ">" + xml_escape(value) + "</cas:" + std::string(name) + ">";
}

/// Attribute names become element names: only characters every XML name allows pass (a name
/// that is not one is written with '_' in their place; names come from registrations, not users).
std::string xml_name(std::string_view name) {
  std::string out;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                    (!out.empty() && ((c >= '0' && c <= '9') || c == '-' || c == '.'));
    out += ok ? c : '_';
  }
  return out.empty() ? "_" : out;
}

json::array strings(const std::vector<std::string>& values) {
  json::array a;
  for (const auto& v : values) a.emplace_back(clean_utf8(v));
  return a;
}

}  // namespace

std::string_view to_string(CasError code) {
  switch (code) {
    case CasError::kInvalidRequest: return "INVALID_REQUEST";
    case CasError::kInvalidTicketSpec: return "INVALID_TICKET_SPEC";
    case CasError::kUnauthorizedServiceProxy: return "UNAUTHORIZED_SERVICE_PROXY";
    case CasError::kInvalidProxyCallback: return "INVALID_PROXY_CALLBACK";
    case CasError::kInvalidTicket: return "INVALID_TICKET";
    case CasError::kInvalidService: return "INVALID_SERVICE";
    case CasError::kInternalError: return "INTERNAL_ERROR";
    case CasError::kUnauthorizedService: return "UNAUTHORIZED_SERVICE";
  }
  return "INTERNAL_ERROR";
}

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const auto n = decode(s, i, cp);
    if (n == 0 || !xml_char(cp)) {
      out += kReplacement;
      i += n == 0 ? 1 : n;
      continue;
    }
    switch (cp) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.append(s.substr(i, n));
    }
    i += n;
  }
  return out;
}

http::Response success_response(const Success& s, Format format) {
  if (format == Format::kJson) {
    json::object ok{{"user", clean_utf8(s.user)}};
    if (!s.pgt_iou.empty()) ok["proxyGrantingTicket"] = s.pgt_iou;
    if (!s.proxies.empty()) ok["proxies"] = strings(s.proxies);
    if (s.with_attributes) {
      json::object attributes;
      for (const auto& a : s.attributes) attributes[clean_utf8(a.name)] = strings(a.values);
      ok["attributes"] = std::move(attributes);
    }
    return json_answer({{"serviceResponse", json::object{{"authenticationSuccess", std::move(ok)}}}});
  }
  std::string x = "<cas:serviceResponse xmlns:cas=\"" + std::string(kNamespace) + "\">\n<cas:authenticationSuccess>\n";
  x += element("user", s.user) + "\n";
  if (s.with_attributes) {
    x += "<cas:attributes>\n";
    for (const auto& a : s.attributes)
      for (const auto& v : a.values) x += element(xml_name(a.name), v) + "\n";
    x += "</cas:attributes>\n";
  }
  if (!s.pgt_iou.empty()) x += element("proxyGrantingTicket", s.pgt_iou) + "\n";
  if (!s.proxies.empty()) {
    x += "<cas:proxies>\n";
    for (const auto& p : s.proxies) x += element("proxy", p) + "\n";
    x += "</cas:proxies>\n";
  }
  x += "</cas:authenticationSuccess>\n</cas:serviceResponse>\n";
  return xml_response(std::move(x));
}

http::Response failure_response(CasError code, std::string_view message, Format format) {
  if (format == Format::kJson)
    return json_answer({{"serviceResponse",
                         json::object{{"authenticationFailure",
                                       json::object{{"code", to_string(code)}, {"description", clean_utf8(message)}}}}}});
  return xml_response("<cas:serviceResponse xmlns:cas=\"" + std::string(kNamespace) +
                      "\">\n<cas:authenticationFailure code=\"" + std::string(to_string(code)) + "\">" +
                      xml_escape(message) + "</cas:authenticationFailure>\n</cas:serviceResponse>\n");
}

http::Response v1_response(const std::string* user) {
  http::Response r;
  // A user name with a newline would forge a second line: CAS 1.0 clients read line by line.
  r.body = user != nullptr && user->find_first_of("\r\n") == std::string::npos ? "yes\n" + *user + "\n" : "no\n\n";
  r.set("Content-Type", "text/plain; charset=utf-8");
  r.set("Cache-Control", "no-store");
  return r;
}

http::Response proxy_success(std::string_view proxy_ticket, Format format) {
  if (format == Format::kJson)
    return json_answer({{"serviceResponse",
                         json::object{{"proxySuccess", json::object{{"proxyTicket", std::string(proxy_ticket)}}}}}});
  return xml_response("<cas:serviceResponse xmlns:cas=\"" + std::string(kNamespace) + "\">\n<cas:proxySuccess>\n" +
                      element("proxyTicket", proxy_ticket) + "\n</cas:proxySuccess>\n</cas:serviceResponse>\n");
}

http::Response proxy_failure(CasError code, std::string_view message, Format format) {
  if (format == Format::kJson)
    return json_answer({{"serviceResponse",
                         json::object{{"proxyFailure",
                                       json::object{{"code", to_string(code)}, {"description", clean_utf8(message)}}}}}});
  return xml_response("<cas:serviceResponse xmlns:cas=\"" + std::string(kNamespace) + "\">\n<cas:proxyFailure code=\"" +
                      std::string(to_string(code)) + "\">" + xml_escape(message) +
                      "</cas:proxyFailure>\n</cas:serviceResponse>\n");
}

}  // namespace gatehouse::cas
