#include "saml/authn_request.hpp"

#include <cctype>
#include <charconv>

#include "saml/protocol.hpp"

namespace gatehouse::saml {
namespace {

constexpr std::string_view kEntityFormat = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";

/// xs:boolean: "true", "false", "1", "0".
Result<std::optional<bool>, std::string> boolean_attribute(const xmlNode* e, std::string_view name) {
  auto v = attribute(e, name);
  if (!v) return std::optional<bool>{};
  if (*v == "true" || *v == "1") return std::optional<bool>{true};
  if (*v == "false" || *v == "0") return std::optional<bool>{false};
  return unexpected(std::string(name) + " is not a boolean");
}

Result<void, std::string> read_issuer(const xmlNode* root, AuthnRequest& r) {
  auto issuer = exactly_one_child(root, kNsAssertion, "Issuer");
  if (!issuer) return unexpected("the request names no Issuer (or two): " + issuer.error());
  if (auto format = attribute(*issuer, "Format"); format && *format != kEntityFormat)
    return unexpected(std::string("the Issuer's Format is not entity"));
  r.issuer = text(*issuer);
  if (r.issuer.empty() || r.issuer.size() > 1024) return unexpected(std::string("the Issuer is empty or too long"));
  return {};
}

Result<void, std::string> read_policy(const xmlNode* root, AuthnRequest& r) {
  auto policy = at_most_one_child(root, kNsProtocol, "NameIDPolicy");
  if (!policy) return unexpected(policy.error());
  if (*policy == nullptr) return {};
  r.nameid_format = attribute(*policy, "Format").value_or("");
  r.sp_name_qualifier = attribute(*policy, "SPNameQualifier").value_or("");
  auto allow = boolean_attribute(*policy, "AllowCreate");
  if (!allow) return unexpected(allow.error());
  r.allow_create = *allow;
  return {};
}

Result<void, std::string> read_context(const xmlNode* root, AuthnRequest& r) {
  auto context = at_most_one_child(root, kNsProtocol, "RequestedAuthnContext");
  if (!context) return unexpected(context.error());
  if (*context == nullptr) return {};
  if (first_child(*context, kNsAssertion, "AuthnContextDeclRef") != nullptr)
    return unexpected(std::string("AuthnContextDeclRef is not supported (only AuthnContextClassRef)"));
  RequestedContext rc;
  rc.comparison = attribute(*context, "Comparison").value_or("exact");
  if (rc.comparison != "exact" && rc.comparison != "minimum" && rc.comparison != "maximum" && rc.comparison != "better")
    return unexpected(std::string("the RequestedAuthnContext Comparison is unknown"));
  for (auto* ref : children(*context, kNsAssertion, "AuthnContextClassRef")) rc.classes.push_back(text(ref));
  if (rc.classes.empty() || rc.classes.size() > 20)
    return unexpected(std::string("RequestedAuthnContext needs 1 to 20 AuthnContextClassRef"));
  r.requested_context = std::move(rc);
  return {};
}

Result<void, std::string> read_endpoint(const xmlNode* root, AuthnRequest& r) {
  r.acs_url = attribute(root, "AssertionConsumerServiceURL").value_or("");
  r.protocol_binding = attribute(root, "ProtocolBinding").value_or("");
  if (auto index = attribute(root, "AssertionConsumerServiceIndex")) {
    int value = -1;
    auto [end, ec] = std::from_chars(index->data(), index->data() + index->size(), value);
    if (ec != std::errc() || end != index->data() + index->size() || value < 0 || value > 65535)
      return unexpected(std::string("AssertionConsumerServiceIndex is not an unsigned short"));
    r.acs_index = value;
  }
  if (r.acs_index && (!r.acs_url.empty() || !r.protocol_binding.empty()))
    return unexpected(std::string("AssertionConsumerServiceIndex goes with neither a URL nor a ProtocolBinding"));
  return {};
}

}  // namespace

Result<AuthnRequest, std::string> read_authn_request(const Document& doc) {
  const xmlNode* root = doc.root();
  if (!is_element(root, kNsProtocol, "AuthnRequest")) return unexpected(std::string("the message is not an AuthnRequest"));
  AuthnRequest r;
  if (attribute(root, "Version") != "2.0") return unexpected(std::string("the request's Version is not 2.0"));
  r.id = attribute(root, "ID").value_or("");
  if (!is_ncname(r.id)) return unexpected(std::string("the request's ID is missing or not an NCName"));
  auto issued = parse_instant(attribute(root, "IssueInstant").value_or(""));
  if (!issued) return unexpected(std::string("the request's IssueInstant is missing or not a UTC time"));
  r.issue_instant = *issued;
  r.destination = attribute(root, "Destination").value_or("");
  for (auto [name, out] : {std::pair{"ForceAuthn", &r.force_authn}, std::pair{"IsPassive", &r.is_passive}}) {
    auto flag = boolean_attribute(root, name);
    if (!flag) return unexpected(flag.error());
    *out = flag->value_or(false);
  }
  if (first_child(root, kNsAssertion, "Subject") != nullptr)
    return unexpected(std::string("a request naming its Subject is not supported"));
  auto signature = at_most_one_child(root, kNsDsig, "Signature");
  if (!signature) return unexpected(signature.error());
  r.has_signature = *signature != nullptr;
  for (auto step : {read_issuer, read_policy, read_context, read_endpoint})
    if (auto ok = step(root, r); !ok) return unexpected(ok.error());
  return r;
}

}  // namespace gatehouse::saml
