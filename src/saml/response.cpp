#include "saml/response.hpp"

#include "saml/canonical_text.hpp"
#include "saml/dsig.hpp"
#include "saml/protocol.hpp"

namespace gatehouse::saml {
namespace {

constexpr std::string_view kBearer = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
constexpr std::size_t kMaxResponseBytes = 4 * 1024 * 1024;
constexpr UnixSeconds kClockSkewAllowance = 60;  // NotBefore this much before now: SPs' clocks run slow too

// Everything below is written in exclusive canonical form (canonical_text.hpp), so an element is
// signed as written (sign_canonical): attributes in canonical order (by name, none has a
// namespace), each namespace declared on the first element of its subtree that uses it (saml on
// the Response's Issuer and on the Assertion), every element with an end tag.

std::string attr(std::string_view name, std::string_view value) {
  std::string out;
  append_c14n_attribute(out, name, value);
  return out;
}

std::string escaped(std::string_view value) {
  std::string out;
  append_c14n_text(out, value);
  return out;
}

/// The Response's start tag and Issuer: where its Signature goes.
std::string response_head(std::string_view id, std::string_view destination, std::string_view in_response_to,
                          UnixSeconds now, std::string_view idp) {
  std::string s = "<samlp:Response xmlns:samlp=\"" + std::string(kNsProtocol) + "\"";
  if (!destination.empty()) s += attr("Destination", destination);
  s += attr("ID", id);
  if (!in_response_to.empty()) s += attr("InResponseTo", in_response_to);
  s += attr("IssueInstant", iso8601(now)) + attr("Version", "2.0");
  return s + "><saml:Issuer xmlns:saml=\"" + std::string(kNsAssertion) + "\">" + escaped(idp) + "</saml:Issuer>";
}

std::string status(std::string_view top, std::string_view second, std::string_view message) {
  std::string s = "<samlp:Status><samlp:StatusCode" + attr("Value", top) + ">";
  if (!second.empty()) s += "<samlp:StatusCode" + attr("Value", second) + "></samlp:StatusCode>";
  s += "</samlp:StatusCode>";
  if (!message.empty()) s += "<samlp:StatusMessage>" + escaped(message) + "</samlp:StatusMessage>";
  return s + "</samlp:Status>";
}

std::string subject(const AssertionFacts& f) {
  std::string s = "<saml:Subject><saml:NameID" + attr("Format", f.nameid_format);
  if (!f.name_qualifier.empty()) s += attr("NameQualifier", f.name_qualifier);
  if (!f.sp_name_qualifier.empty()) s += attr("SPNameQualifier", f.sp_name_qualifier);
  s += ">" + escaped(f.nameid) + "</saml:NameID>";
  s += "<saml:SubjectConfirmation" + attr("Method", kBearer) + "><saml:SubjectConfirmationData";
  if (!f.in_response_to.empty()) s += attr("InResponseTo", f.in_response_to);
  s += attr("NotOnOrAfter", iso8601(f.now + f.lifetime)) + attr("Recipient", f.acs_url);
  return s + "></saml:SubjectConfirmationData></saml:SubjectConfirmation></saml:Subject>";
}

std::string statements(const AssertionFacts& f) {
  std::string s = "<saml:AuthnStatement" + attr("AuthnInstant", iso8601(f.auth_instant));
  if (!f.session_index.empty()) s += attr("SessionIndex", f.session_index);
  s += "><saml:AuthnContext><saml:AuthnContextClassRef>" + escaped(f.authn_class) +
       "</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>";
  bool any = false;
  for (const auto& a : f.attributes) any = any || !a.values.empty();
  if (!any) return s;
  s += "<saml:AttributeStatement>";
  for (const auto& a : f.attributes) {
    if (a.values.empty()) continue;
    s += "<saml:Attribute";
    if (!a.friendly_name.empty()) s += attr("FriendlyName", a.friendly_name);
    s += attr("Name", a.name) + attr("NameFormat", a.name_format) + ">";
    for (const auto& v : a.values) s += "<saml:AttributeValue>" + escaped(v) + "</saml:AttributeValue>";
    s += "</saml:Attribute>";
  }
  return s + "</saml:AttributeStatement>";
}

/// The Assertion: head (start tag and Issuer, where its Signature goes) and the rest.
std::pair<std::string, std::string> assertion(const AssertionFacts& f, std::string_view id) {
  std::string head = "<saml:Assertion xmlns:saml=\"" + std::string(kNsAssertion) + "\"" + attr("ID", id) +
                     attr("IssueInstant", iso8601(f.now)) + attr("Version", "2.0") + "><saml:Issuer>" +
                     escaped(f.idp_entity_id) + "</saml:Issuer>";
  std::string tail = subject(f);
  tail += "<saml:Conditions" + attr("NotBefore", iso8601(f.now - kClockSkewAllowance)) +
          attr("NotOnOrAfter", iso8601(f.now + f.lifetime)) + "><saml:AudienceRestriction><saml:Audience>" +
          escaped(f.sp_entity_id) + "</saml:Audience></saml:AudienceRestriction></saml:Conditions>";
  return {std::move(head), tail + statements(f) + "</saml:Assertion>"};
}

/// `head` + `tail`, signed when `sign` (and there is a key).
Result<std::string, std::string> maybe_signed(std::string head, std::string_view tail, std::string_view id, bool sign,
                                              const Protection& p) {
  if (p.key == nullptr || !sign) return head.append(tail);
  return sign_canonical(head, tail, id, *p.key);
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
  const auto response_id = new_id(), assertion_id = new_id();
  auto head = response_head(response_id, facts.acs_url, facts.in_response_to, facts.now, facts.idp_entity_id);
  auto [assertion_head, assertion_tail] = assertion(facts, assertion_id);
  if (protection.encrypt) {  // encrypted: on the parsed document (encrypt.hpp)
    return protect(head + status(kStatusSuccess, "", "") + assertion_head + assertion_tail + "</samlp:Response>", protection,
                   true);
  }
  // Signed as written: no parse, no canonicalizer (the signature is over this very text).
  auto signed_assertion = maybe_signed(std::move(assertion_head), assertion_tail, assertion_id, protection.sign_assertion, protection);
  if (!signed_assertion) return unexpected("signing the assertion: " + signed_assertion.error());
  const auto tail = status(kStatusSuccess, "", "") + *signed_assertion + "</samlp:Response>";
  // Bounded like any message: the values come from the registry and the user's claims.
  if (head.size() + tail.size() > kMaxResponseBytes) return unexpected(std::string("the response would be too large"));
  auto out = maybe_signed(std::move(head), tail, response_id, protection.sign_response, protection);
  if (!out) return unexpected("signing the response: " + out.error());
  return out;
}

Result<std::string, std::string> build_status_response(std::string_view idp_entity_id, std::string_view destination,
                                                       std::string_view in_response_to, std::string_view top_code,
                                                       std::string_view second_code, std::string_view message,
                                                       UnixSeconds now, const Protection& protection) {
  const auto id = new_id();
  auto out = maybe_signed(response_head(id, destination, in_response_to, now, idp_entity_id),
                          status(top_code, second_code, message) + "</samlp:Response>", id, protection.sign_response,
                          protection);
  if (!out) return unexpected("signing the response: " + out.error());
  return out;
}

}  // namespace gatehouse::saml
