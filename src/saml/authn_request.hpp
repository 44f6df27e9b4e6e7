#pragma once
// Reading a samlp:AuthnRequest (SAML core §3.4.1) into what the front door acts on. Shape only:
// which SP sent it, whether its signature holds, whether it was seen before and where the answer
// may go are the front door's checks (they need the SP's registration).

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "saml/xml.hpp"

namespace gatehouse::saml {

/// RequestedAuthnContext (core §3.3.2.2.1): the classes and how to compare them.
struct RequestedContext {
  std::vector<std::string> classes;  ///< AuthnContextClassRef values, in order (DeclRef is refused)
  std::string comparison = "exact";  ///< exact | minimum | maximum | better
};

struct AuthnRequest {
  std::string id;
  std::string issuer;               ///< the SP's entity ID
  UnixSeconds issue_instant = 0;
  std::string destination;          ///< "" when absent
  std::string acs_url;              ///< AssertionConsumerServiceURL; "" when absent
  std::optional<int> acs_index;     ///< AssertionConsumerServiceIndex
  std::string protocol_binding;     ///< "" when absent
  bool force_authn = false;
  bool is_passive = false;
  std::string nameid_format;        ///< NameIDPolicy Format; "" when absent
  std::optional<bool> allow_create; ///< NameIDPolicy AllowCreate
  std::string sp_name_qualifier;    ///< NameIDPolicy SPNameQualifier; "" when absent
  std::optional<RequestedContext> requested_context;
  bool has_signature = false;       ///< a ds:Signature child (verified by the caller)
};

/// Reads the AuthnRequest at the document's root. Refused: another root, Version other than
/// "2.0", an ID that is not an NCName, a missing or non-UTC IssueInstant, no saml:Issuer (we need
/// it to find the SP) or an Issuer with a Format other than entity, both an ACS URL and an index
/// (§3.4.1 says they are mutually exclusive), two of any child SAML allows once, a
/// RequestedAuthnContext with AuthnContextDeclRef, a Subject (Gatehouse does not take a subject
/// from the SP), an unknown Comparison. The error is short, for logs and the error page.
Result<AuthnRequest, std::string> read_authn_request(const Document& doc);

}  // namespace gatehouse::saml
