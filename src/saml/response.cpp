#include "saml/response.hpp"

#include "saml/dsig.hpp"
#include "saml/protocol.hpp"

namespace gatehouse::saml {
namespace {

constexpr std::string_view kBearer = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
constexpr std::size_t kMaxResponseBytes = 4 * 1024 * 1024;
constexpr UnixSeconds kClockSkewAllowance = 60;  // NotBefore this much before now: SPs' clocks run slow too

std::string attr(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + xml_escape(value) + "\"";
}

std::string response_open(std::string_view id, std::string_view destination, std::string_view in_response_to,
                          UnixSeconds now, std::string_view idp) {
  std::string s = "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
                  "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\"";
  s += attr("ID", id) + attr("Version", "2.0") + attr("IssueInstant", iso8601(now));
  if (!destination.empty()) s += attr("Destination", destination);
  if (!in_response_to.empty()) s += attr("InResponseTo", in_response_to);
  s += "><saml:Issuer>" + xml_escape(idp) + "</saml:Issuer>";
  return s;
}

std::string status(std::string_view top, std::string_view second, std::string_view message) {
  std::string s = "<samlp:Status><samlp:StatusCode" + attr("Value", top);
  s += second.empty() ? "/>" : "><samlp:StatusCode" + attr("Value", second) + "/></samlp:StatusCode>";
  if (!message.empty()) s += "<samlp:StatusMessage>" + xml_escape(message) + "</samlp:StatusMessage>";
  return s + "</samlp:Status>";
}

std::string subject(const AssertionFacts& f) {
  std::string s = "<saml:Subject><saml:NameID" + attr("Format", f.nameid_format);
  if (!f.name_qualifier.empty()) s += attr("NameQualifier", f.name_qualifier);
  if (!f.sp_name_qualifier.empty()) s += attr("SPNameQualifier", f.sp_name_qualifier);
  s += ">" + xml_escape(f.nameid) + "</saml:NameID>";
  s += "<saml:SubjectConfirmation" + attr("Method", kBearer) + "><saml:SubjectConfirmationData";
  if (!f.in_response_to.empty()) s += attr("InResponseTo", f.in_response_to);
  s += attr("NotOnOrAfter", iso8601(f.now + f.lifetime)) + attr("Recipient", f.acs_url);
  return s + "/></saml:SubjectConfirmation></saml:Subject>";
}

std::string statements(const AssertionFacts& f) {
  std::string s = "<saml:AuthnStatement" + attr("AuthnInstant", iso8601(f.auth_instant));
  if (!f.session_index.empty()) s += attr("SessionIndex", f.session_index);
  s += "><saml:AuthnContext><saml:AuthnContextClassRef>" + xml_escape(f.authn_class) +
       "</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>";
  bool any = false;
  for (const auto& a : f.attributes) any = any || !a.values.empty();
  if (!any) return s;
  s += "<saml:AttributeStatement>";
  for (const auto& a : f.attributes) {
    if (a.values.empty()) continue;
    s += "<saml:Attribute" + attr("Name", a.name) + attr("NameFormat", a.name_format);
    if (!a.friendly_name.empty()) s += attr("FriendlyName", a.friendly_name);
    s += ">";
    for (const auto& v : a.values) s += "<saml:AttributeValue>" + xml_escape(v) + "</saml:AttributeValue>";
    s += "</saml:Attribute>";
  }
  return s + "</saml:AttributeStatement>";
}

std::string assertion(const AssertionFacts& f, std::string_view id) {
  std::string s = "<saml:Assertion" + attr("ID", id) + attr("Version", "2.0") + attr("IssueInstant", iso8601(f.now)) + ">";
  s += "<saml:Issuer>" + xml_escape(f.idp_entity_id) + "</saml:Issuer>";
  s += subject(f);
  s += "<saml:Conditions" + attr("NotBefore", iso8601(f.now - kClockSkewAllowance)) +
       attr("NotOnOrAfter", iso8601(f.now + f.lifetime)) + "><saml:AudienceRestriction><saml:Audience>" +
       xml_escape(f.sp_entity_id) + "</saml:Audience></saml:AudienceRestriction></saml:Conditions>";
  return s + statements(f) + "</saml:Assertion>";
}

/// Parses what was built (the strict parser: the structure is what the builder wrote), then signs
/// and encrypts as asked: the assertion signed first, then encrypted, then the response signed.
Result<std::string, std::string> protect(const std::string& text, const Protection& p, bool has_assertion) {
  auto doc = parse(text, kMaxResponseBytes);
  if (!doc) return unexpected("the response did not parse back: " + doc.error());
  xmlNodePtr response = doc->root();
  if (has_assertion) {
    xmlNodePtr assertion_node = first_child(response, kNsAssertion, "Assertion");
    if (assertion_node == nullptr) return unexpected(std::string("the response has no assertion"));
    if (p.key != nullptr && p.sign_assertion) {
      if (auto signed_ = sign_enveloped(*doc, assertion_node, *p.key); !signed_)
        return unexpected("signing the assertion: " + signed_.error());
    }
    if (p.encrypt) {
      if (auto encrypted = p.encrypt(*doc, assertion_node); !encrypted)
        return unexpected("encrypting the assertion: " + encrypted.error());
    }
  }
  if (p.key != nullptr && p.sign_response) {
    if (auto signed_ = sign_enveloped(*doc, response, *p.key); !signed_)
      return unexpected("signing the response: " + signed_.error());
  }
  return serialize(*doc, true);
}

}  // namespace

Result<std::string, std::string> build_response(const AssertionFacts& facts, const Protection& protection) {
  std::string text = response_open(new_id(), facts.acs_url, facts.in_response_to, facts.now, facts.idp_entity_id);
  text += status(kStatusSuccess, "", "");
  text += assertion(facts, new_id());
  text += "</samlp:Response>";
  return protect(text, protection, true);
}

Result<std::string, std::string> build_status_response(std::string_view idp_entity_id, std::string_view destination,
                                                       std::string_view in_response_to, std::string_view top_code,
                                                       std::string_view second_code, std::string_view message,
                                                       UnixSeconds now, const Protection& protection) {
  std::string text = response_open(new_id(), destination, in_response_to, now, idp_entity_id);
  text += status(top_code, second_code, message) + "</samlp:Response>";
  return protect(text, protection, false);
}

}  // namespace gatehouse::saml
