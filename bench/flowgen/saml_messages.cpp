#include "saml_messages.hpp"

#include <array>
#include <ctime>
#include <optional>
#include <stdexcept>

#include <openssl/rand.h>
#include <zlib.h>

#include "core/base64url.hpp"
#include "core/time_format.hpp"
#include "http/router.hpp"

namespace gatehouse::bench {
namespace {

constexpr std::string_view kSuccess = "urn:oasis:names:tc:SAML:2.0:status:Success";

/// For attribute values and text: the five characters XML gives entities.
std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}


/// The value of attribute `name` in the tag that starts at `tag` (up to its '>'), unescaped.
std::optional<std::string> attribute_in_tag(std::string_view tag, std::string_view name) {
  tag = tag.substr(0, tag.find('>'));
  const auto key = " " + std::string(name) + "=\"";
  const auto at = tag.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  const auto start = at + key.size();
  const auto end = tag.find('"', start);
  if (end == std::string_view::npos) return std::nullopt;
  return html_unescape(tag.substr(start, end - start));
}

/// The value of the <input> named `name`.
std::optional<std::string> input_value(std::string_view html, std::string_view name) {
  const auto at = html.find("name=\"" + std::string(name) + "\"");
  if (at == std::string_view::npos) return std::nullopt;
  const auto start = html.rfind('<', at);
  if (start == std::string_view::npos) return std::nullopt;
  return attribute_in_tag(html.substr(start), "value");
}

/// Whether an element with this local name starts somewhere in `xml` ("<Assertion " or
/// "<saml:Assertion>", never "<saml:AssertionConsumer").
bool has_element(std::string_view xml, std::string_view local) {
  for (auto at = xml.find(local); at != std::string_view::npos; at = xml.find(local, at + 1)) {
    const auto after = at + local.size();
    if (after >= xml.size() || (xml[after] != ' ' && xml[after] != '>' && xml[after] != '/')) continue;
    auto start = at;
    if (start > 0 && xml[start - 1] == ':') {  // a prefix: back to its '<'
      --start;
      while (start > 0 && xml[start - 1] != '<' && xml[start - 1] != ' ' && xml[start - 1] != '>') --start;
    }
    if (start > 0 && xml[start - 1] == '<') return true;
  }
  return false;
}

}  // namespace

std::string html_unescape(std::string_view s) {
  static constexpr std::array<std::pair<std::string_view, char>, 6> kEntities{
      {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}, {"&#x27;", '\''}}};
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    bool replaced = false;
    if (s[i] == '&')
      for (const auto& [entity, c] : kEntities)
        if (s.substr(i, entity.size()) == entity) {
          out += c;
          i += entity.size();
          replaced = true;
          break;
        }
    if (!replaced) out += s[i++];
  }
  return out;
}

std::string new_saml_id() {
  std::array<unsigned char, 20> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) throw std::runtime_error("RAND_bytes failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "_";
  for (unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 0xf];
  }
  return id;
}

std::string authn_request_xml(const SamlSp& sp, std::string_view id, std::int64_t unix_seconds) {
  return "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
         "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"" +
         xml_escape(id) + "\" Version=\"2.0\" IssueInstant=\"" + iso8601(unix_seconds) + "\" Destination=\"" +
         xml_escape(sp.sso_url) + "\" AssertionConsumerServiceURL=\"" + xml_escape(sp.acs_url) +
         "\" ProtocolBinding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\"><saml:Issuer>" +
         xml_escape(sp.entity_id) + "</saml:Issuer></samlp:AuthnRequest>";
}

std::string redirect_query(std::string_view xml, std::string_view relay_state) {
  z_stream z{};
  // Negative windowBits: raw DEFLATE, no zlib header or checksum (bindings §3.4.4.1). A 512-byte
  // window and the smallest hash (memLevel 1) for a request of ~600 bytes: zlib's defaults
  // allocate and clear ~270 KiB per stream, which cost flowgen more CPU than the node spent on
  // the whole answer. Any inflater reads the result (a smaller window only shortens distances).
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -9, 1, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2 failed");
  std::string out(deflateBound(&z, static_cast<uLong>(xml.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(xml.data()));
  z.avail_in = static_cast<uInt>(xml.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate did not finish");
  std::string query = "SAMLRequest=" + http::percent_encode(base64_encode(out));
  if (!relay_state.empty()) query += "&RelayState=" + http::percent_encode(relay_state);
  return query;
}

Result<std::string, std::string> check_post_page(std::string_view html, std::string_view acs_url,
                                                 std::string_view request_id, std::string_view relay_state) {
  const auto form = html.find("<form ");
  if (form == std::string_view::npos) return unexpected(std::string("no <form> on the page"));
  if (attribute_in_tag(html.substr(form), "action") != acs_url)
    return unexpected("the form does not post to " + std::string(acs_url));
  if (!relay_state.empty() && input_value(html, "RelayState") != relay_state)
    return unexpected(std::string("the RelayState input is missing or changed"));
  const auto message = input_value(html, "SAMLResponse");
  if (!message) return unexpected(std::string("no SAMLResponse input"));
  auto xml = base64_decode(*message);
  if (!xml) return unexpected(std::string("the SAMLResponse is not base64"));
  if (!has_element(*xml, "Response")) return unexpected(std::string("the SAMLResponse holds no samlp:Response"));
  if (xml->find("InResponseTo=\"" + std::string(request_id) + "\"") == std::string::npos)
    return unexpected("the Response does not answer request " + std::string(request_id));
  if (xml->find("Value=\"" + std::string(kSuccess) + "\"") == std::string::npos)
    return unexpected(std::string("the Response's status is not Success"));
  if (!has_element(*xml, "Assertion")) return unexpected(std::string("the Response holds no assertion"));
  if (!has_element(*xml, "SignatureValue")) return unexpected(std::string("the Response carries no signature"));
  return std::move(*xml);
}

}  // namespace gatehouse::bench
