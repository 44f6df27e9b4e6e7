#pragma once
// The answers of the CAS validation endpoints (CAS Protocol 3.0 §2.4-§2.7 and Appendix A): the
// CAS 1.0 text answer, and the serviceResponse documents in XML and, with format=JSON, in JSON.
// Every value is escaped (and characters XML 1.0 cannot hold replaced), so no user name,
// attribute or service can change a document's structure.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/time_format.hpp"  // iso8601: authenticationDate, IssueInstant
#include "http/message.hpp"

namespace gatehouse::cas {

/// The error codes of CAS Protocol 3.0 §2.5.3.
enum class CasError {
  kInvalidRequest,             // not all of the required request parameters were present
  kInvalidTicketSpec,          // failure to meet the requirements of validation specification
  kUnauthorizedServiceProxy,   // the service is not authorized to perform proxy authentication
  kInvalidProxyCallback,       // the proxy callback specified is invalid
  kInvalidTicket,              // the ticket was not valid, or not from an initial login with renew
  kInvalidService,             // the ticket was valid, but the service did not match
  kInternalError,              // an internal error occurred during ticket validation
  kUnauthorizedService,        // /proxy (§2.7.2): the service may not be proxied to
};
std::string_view to_string(CasError code);

enum class Format { kXml, kJson };

/// One released attribute: a name and its values (CAS 3: <cas:attributes>).
struct Attribute {
  std::string name;
  std::vector<std::string> values;
};

struct Success {
  std::string user;
  std::vector<Attribute> attributes;   // written only when `with_attributes`
  bool with_attributes = false;        // the CAS 3.0 (/p3/) endpoints
  std::string pgt_iou;                 // "" = none
  std::vector<std::string> proxies;    // proxy validation: the chain, most recent first
};

/// serviceResponse/authenticationSuccess.
http::Response success_response(const Success& success, Format format);
/// serviceResponse/authenticationFailure with `code` and a message (HTTP 200, as the spec's
/// clients expect: the failure is in the document).
http::Response failure_response(CasError code, std::string_view message, Format format);
/// CAS 1.0 /validate: "yes\n<user>\n" or "no\n\n".
http::Response v1_response(const std::string* user);
/// /proxy: proxySuccess with the proxy ticket, or proxyFailure.
http::Response proxy_success(std::string_view proxy_ticket, Format format);
http::Response proxy_failure(CasError code, std::string_view message, Format format);

/// `s` as XML character data or attribute value: & < > " ' escaped, characters XML 1.0 does not
/// allow (controls other than tab, newline, return; invalid UTF-8) replaced by U+FFFD.
std::string xml_escape(std::string_view s);

}  // namespace gatehouse::cas
