#pragma once
// The messages of the Single Logout profile (SAML core §3.7, profiles §4.4): reading a
// samlp:LogoutRequest or samlp:LogoutResponse an SP sent (by HTTP-Redirect, HTTP-POST or inside a
// SOAP body), and writing the ones Gatehouse sends. Shape only: who signed a message, whether it
// was seen before and which session it ends are the front door's checks.
// Thread safe; one thread at a time per Document.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "saml/xml.hpp"

namespace gatehouse::saml {

/// A saml:NameID as a LogoutRequest names it (core §2.2.3).
struct LogoutNameId {
  std::string value;
  std::string format;             ///< "" when absent
  std::string name_qualifier;     ///< "" when absent
  std::string sp_name_qualifier;  ///< "" when absent
};

struct LogoutRequest {
  xmlNodePtr element = nullptr;   ///< the samlp:LogoutRequest (its signature is verified on it)
  std::string id;                 ///< an NCName
  std::string issuer;
  UnixSeconds issue_instant = 0;
  std::optional<UnixSeconds> not_on_or_after;
  std::string destination;        ///< "" when absent
  std::string reason;             ///< "" when absent
  LogoutNameId name_id;
  std::vector<std::string> session_indexes;  ///< in order; at most kMaxSessionIndexes
  bool has_signature = false;     ///< a ds:Signature child (verified by the caller)
};

struct LogoutResponse {
  xmlNodePtr element = nullptr;
  std::string id;
  std::string in_response_to;     ///< "" when absent
  std::string issuer;
  UnixSeconds issue_instant = 0;
  std::string destination;        ///< "" when absent
  std::string status;             ///< the top-level StatusCode Value
  std::string second_status;      ///< the nested StatusCode Value, "" when none
  bool has_signature = false;
};

inline constexpr std::size_t kMaxSessionIndexes = 20;

/// Reads the LogoutRequest `element` (a document's root, or the element in a SOAP body). Refused,
/// with a short reason for logs: another element; Version other than 2.0; an ID that is not an
/// NCName; no UTC IssueInstant; a NotOnOrAfter that is not a UTC time; not exactly one saml:Issuer
/// (or one with a Format other than entity, or empty); an EncryptedID or BaseID instead of a
/// NameID, or not exactly one NameID (or an empty one); more than kMaxSessionIndexes
/// SessionIndex elements or an empty one; two ds:Signature children.
Result<LogoutRequest, std::string> read_logout_request(const xmlNode* element);

/// Reads the LogoutResponse `element`. Refused: another element; Version other than 2.0; an ID
/// that is not an NCName; no UTC IssueInstant; not exactly one Issuer; no Status/StatusCode Value.
Result<LogoutResponse, std::string> read_logout_response(const xmlNode* element);

/// A LogoutRequest from the IdP `issuer` to `destination` for the participant named by `name_id`
/// and `session_index`, valid until `not_on_or_after`. Unsigned text (the binding signs it).
std::string build_logout_request(std::string_view id, std::string_view issuer, std::string_view destination,
                                 const LogoutNameId& name_id, std::string_view session_index, UnixSeconds now,
                                 UnixSeconds not_on_or_after);

/// A LogoutResponse from the IdP `issuer` to `destination` answering `in_response_to` with the
/// status `top` (and `second` nested when not empty). Unsigned text.
std::string build_logout_response(std::string_view id, std::string_view issuer, std::string_view destination,
                                  std::string_view in_response_to, std::string_view top, std::string_view second,
                                  UnixSeconds now);

}  // namespace gatehouse::saml
