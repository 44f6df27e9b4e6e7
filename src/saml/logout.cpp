#include "saml/logout.hpp"

#include "saml/protocol.hpp"

namespace gatehouse::saml {
namespace {

constexpr std::string_view kEntityFormat = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";
constexpr std::size_t kMaxIssuer = 1024;
constexpr std::size_t kMaxNameId = 1024;
constexpr std::size_t kMaxSessionIndex = 256;

/// The fields every SAML protocol message shares (core §3.2.1, §3.2.2).
struct Common {
  std::string id;
  std::string issuer;
  UnixSeconds issue_instant = 0;
  std::string destination;
  bool has_signature = false;
};

Result<Common, std::string> read_common(const xmlNode* e) {
  Common c;
  if (attribute(e, "Version") != "2.0") return unexpected(std::string("the message's Version is not 2.0"));
  c.id = attribute(e, "ID").value_or("");
  if (!is_ncname(c.id)) return unexpected(std::string("the message's ID is missing or not an NCName"));
  auto issued = parse_instant(attribute(e, "IssueInstant").value_or(""));
  if (!issued) return unexpected(std::string("the message's IssueInstant is missing or not a UTC time"));
  c.issue_instant = *issued;
  c.destination = attribute(e, "Destination").value_or("");
  auto issuer = exactly_one_child(e, kNsAssertion, "Issuer");
  if (!issuer) return unexpected("the message names no Issuer (or two): " + issuer.error());
  if (auto format = attribute(*issuer, "Format"); format && *format != kEntityFormat)
    return unexpected(std::string("the Issuer's Format is not entity"));
  c.issuer = text(*issuer);
  if (c.issuer.empty() || c.issuer.size() > kMaxIssuer) return unexpected(std::string("the Issuer is empty or too long"));
  auto signature = at_most_one_child(e, kNsDsig, "Signature");
  if (!signature) return unexpected(signature.error());
  c.has_signature = *signature != nullptr;
  return c;
}

/// `element` as the protocol message `local` with the fields every message shares filled in.
template <class Message>
Result<Message, std::string> read_message(const xmlNode* element, std::string_view local) {
  if (!is_element(element, kNsProtocol, local)) return unexpected("the message is not a " + std::string(local));
  auto common = read_common(element);
  if (!common) return unexpected(common.error());
  Message m;
  m.element = const_cast<xmlNodePtr>(element);
  m.id = std::move(common->id);
  m.issuer = std::move(common->issuer);
  m.issue_instant = common->issue_instant;
  m.destination = std::move(common->destination);
  m.has_signature = common->has_signature;
  return m;
}

Result<LogoutNameId, std::string> read_name_id(const xmlNode* e) {
  if (first_child(e, kNsAssertion, "EncryptedID") != nullptr || first_child(e, kNsAssertion, "BaseID") != nullptr)
    return unexpected(std::string("only a plain NameID is understood"));
  auto n = exactly_one_child(e, kNsAssertion, "NameID");
  if (!n) return unexpected("the request names no NameID (or two): " + n.error());
  LogoutNameId id;
  id.value = text(*n);
  if (id.value.empty() || id.value.size() > kMaxNameId) return unexpected(std::string("the NameID is empty or too long"));
  id.format = attribute(*n, "Format").value_or("");
  id.name_qualifier = attribute(*n, "NameQualifier").value_or("");
  id.sp_name_qualifier = attribute(*n, "SPNameQualifier").value_or("");
  return id;
}

std::string common_attributes(std::string_view id, std::string_view destination, UnixSeconds now) {
  std::string s = "ID=\"" + xml_escape(id) + "\" Version=\"2.0\" IssueInstant=\"" + iso8601(now) + "\"";
  if (!destination.empty()) s += " Destination=\"" + xml_escape(destination) + "\"";  // none by SOAP
  return s;
}

}  // namespace

Result<LogoutRequest, std::string> read_logout_request(const xmlNode* element) {
  auto read = read_message<LogoutRequest>(element, "LogoutRequest");
  if (!read) return read;
  auto& r = *read;
  r.reason = attribute(element, "Reason").value_or("");
  if (auto until = attribute(element, "NotOnOrAfter")) {
    r.not_on_or_after = parse_instant(*until);
    if (!r.not_on_or_after) return unexpected(std::string("NotOnOrAfter is not a UTC time"));
  }
  auto name_id = read_name_id(element);
  if (!name_id) return unexpected(name_id.error());
  r.name_id = std::move(*name_id);
  const auto indexes = children(element, kNsProtocol, "SessionIndex");
  if (indexes.size() > kMaxSessionIndexes) return unexpected(std::string("too many SessionIndex elements"));
  for (auto* i : indexes) {
    auto value = text(i);
    if (value.empty() || value.size() > kMaxSessionIndex) return unexpected(std::string("a SessionIndex is empty or too long"));
    r.session_indexes.push_back(std::move(value));
  }
  return read;
}

Result<LogoutResponse, std::string> read_logout_response(const xmlNode* element) {
  auto read = read_message<LogoutResponse>(element, "LogoutResponse");
  if (!read) return read;
  auto& r = *read;
  r.in_response_to = attribute(element, "InResponseTo").value_or("");
  auto status = exactly_one_child(element, kNsProtocol, "Status");
  if (!status) return unexpected("the response has no Status (or two): " + status.error());
  auto code = exactly_one_child(*status, kNsProtocol, "StatusCode");
  if (!code) return unexpected("the response has no StatusCode (or two): " + code.error());
  r.status = attribute(*code, "Value").value_or("");
  if (r.status.empty()) return unexpected(std::string("the StatusCode has no Value"));
  if (auto* nested = first_child(*code, kNsProtocol, "StatusCode")) r.second_status = attribute(nested, "Value").value_or("");
  return read;
}

std::string build_logout_request(std::string_view id, std::string_view issuer, std::string_view destination,
                                 const LogoutNameId& name_id, std::string_view session_index, UnixSeconds now,
                                 UnixSeconds not_on_or_after) {
  std::string s = "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
                  "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" " +
                  common_attributes(id, destination, now) + " NotOnOrAfter=\"" + iso8601(not_on_or_after) +
                  "\"><saml:Issuer>" + xml_escape(issuer) + "</saml:Issuer><saml:NameID";
  const auto attr = [&](std::string_view name, const std::string& value) {
    if (!value.empty()) s += " " + std::string(name) + "=\"" + xml_escape(value) + "\"";
  };
  attr("NameQualifier", name_id.name_qualifier);
  attr("SPNameQualifier", name_id.sp_name_qualifier);
  attr("Format", name_id.format);
  s += ">" + xml_escape(name_id.value) + "</saml:NameID>";
  if (!session_index.empty()) s += "<samlp:SessionIndex>" + xml_escape(session_index) + "</samlp:SessionIndex>";
  return s + "</samlp:LogoutRequest>";
}

std::string build_logout_response(std::string_view id, std::string_view issuer, std::string_view destination,
                                  std::string_view in_response_to, std::string_view top, std::string_view second,
                                  UnixSeconds now) {
  std::string s = "<samlp:LogoutResponse xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
                  "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" " +
                  common_attributes(id, destination, now);
  if (!in_response_to.empty()) s += " InResponseTo=\"" + xml_escape(in_response_to) + "\"";
  s += "><saml:Issuer>" + xml_escape(issuer) + "</saml:Issuer><samlp:Status><samlp:StatusCode Value=\"" +
       xml_escape(top) + "\"";
  s += second.empty() ? "/>" : "><samlp:StatusCode Value=\"" + xml_escape(second) + "\"/></samlp:StatusCode>";
  return s + "</samlp:Status></samlp:LogoutResponse>";
}

}  // namespace gatehouse::saml
