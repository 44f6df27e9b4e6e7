#pragma once
// The SAML parts of gatehouse-flowgen (issue 14): what a service provider sends to /saml/sso and
// the cheap look at what comes back, for the bench's SAML SSO row.
//
// The request is an unsigned AuthnRequest by the HTTP-Redirect binding (SAML bindings §3.4.4.1:
// raw DEFLATE, base64, URL-encoded into the query), with a fresh ID each time and the current
// second as IssueInstant: the IdP keeps every ID it has seen (replay cache) and refuses an
// IssueInstant outside its clock skew, so a request can never be re-sent.
//
// The answer check is deliberately shallow: the bench measures the IdP, not an SP, so the
// signature is not verified in the hot loop (tests/e2e/saml.test.mjs has pysaml2 do that). It
// checks that the page is the HTTP-POST binding's form for our consumer URL, and that its
// SAMLResponse decodes to a Success answering our request ID that carries a signature.
//
// Everything here is a plain function; safe to call from any thread.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace gatehouse::bench {

/// Who the benchmark's service provider is, and where it sends its requests.
struct SamlSp {
  std::string entity_id;  ///< the Issuer of the requests; the registered SP's entityID
  std::string acs_url;    ///< AssertionConsumerServiceURL; an HTTP-POST endpoint of its metadata
  std::string sso_url;    ///< Destination: the IdP's public URL + "/saml/sso"
};

/// A request ID: "_" and 40 hex digits from the OpenSSL random generator (an NCName, as SAML
/// core §1.3.4 wants). @throws std::runtime_error if the generator fails.
std::string new_saml_id();

/// The entities an HTML attribute value may hold as the node writes them (signin::html_escape)
/// turned back into characters; anything else is kept as it is. Also flowgen's form reader.
std::string html_unescape(std::string_view s);

/// The AuthnRequest XML: ID, IssueInstant, Destination, AssertionConsumerServiceURL with the
/// HTTP-POST ProtocolBinding, and the Issuer (no NameIDPolicy, no RequestedAuthnContext: the SP's
/// registration decides). The values are XML-escaped.
std::string authn_request_xml(const SamlSp& sp, std::string_view id, std::int64_t unix_seconds);

/// The query string (no leading '?') that sends `xml` by HTTP-Redirect:
/// "SAMLRequest=<urlencode(base64(deflate_raw(xml)))>" and "&RelayState=<urlencoded>" when
/// relay_state is not empty. @throws std::runtime_error only if zlib fails (out of memory).
std::string redirect_query(std::string_view xml, std::string_view relay_state);

/// Checks an HTTP-POST binding page (bindings §3.5.4): a form posting to `acs_url` with a
/// SAMLResponse input and, when `relay_state` is not empty, a RelayState input with that value;
/// the SAMLResponse base64-decodes to a samlp:Response with InResponseTo=`request_id`, a Success
/// status code, an assertion and a ds:SignatureValue somewhere in it. Looks only, never parses XML.
/// @returns the decoded Response, or a sentence saying what is missing (the first problem found).
Result<std::string, std::string> check_post_page(std::string_view html, std::string_view acs_url,
                                                 std::string_view request_id, std::string_view relay_state);

}  // namespace gatehouse::bench
