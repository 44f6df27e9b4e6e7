#pragma once
// The SAML members of an application's registration (issue 14): Gatehouse extensions kept in
// extra_metadata as given (like the CAS members), checked here when a document is registered, and
// read by saml/sp_registry.cpp. An application is a SAML service provider when it has exactly one
// of saml_metadata (the SP's md:EntityDescriptor as an XML string, read by
// saml::parse_sp_metadata) and saml_metadata_url (an https URL the metadata is fetched from).
//
//   saml_attributes               claim names released as attributes (like cas_attributes)
//   saml_nameid_format            a NameID format URI, or its last word (saml::nameid_format_uri)
//   saml_sign                     "assertion" (default) | "response" | "both"
//   saml_encrypt                  bool (default false); true needs an encryption key
//   saml_require_signed_requests  bool (default: the metadata's AuthnRequestsSigned)
//   saml_allow_idp_initiated      bool (default false): unsolicited responses to this SP
//   saml_affiliation              an affiliation's entity ID (an absolute URI) whose members share
//                                 persistent NameIDs

#include <cstddef>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "client/client_metadata.hpp"
#include "core/result.hpp"

namespace gatehouse::client {

/// The longest saml_metadata_url.
inline constexpr std::size_t kMaxSamlUrlLength = 2048;
/// The longest saml_metadata_signing_cert (a PEM certificate, with any text around it).
inline constexpr std::size_t kMaxSigningCertLength = 16 * 1024;
/// The most entries of saml_attributes.
inline constexpr std::size_t kMaxSamlAttributes = 100;

/// Checks the value of the SAML member `name` on its own (saml_metadata only for being a string of
/// at most saml::kMaxMetadataBytes; check_saml_registration() parses it). @returns a message safe
/// to show, or "" when it may be kept.
std::string check_saml_member(std::string_view name, const boost::json::value& value);

/// Whether the document names a non-empty saml_metadata or saml_metadata_url (it is then a SAML
/// service provider, which needs no OAuth grant).
bool is_saml_application(const boost::json::object& doc);

/// The checks across the SAML members of a document whose members check_saml_member() passed:
/// saml_metadata parsed (saml::parse_sp_metadata), exactly one of saml_metadata and
/// saml_metadata_url when any SAML member is given (both only when saml_metadata is signed with
/// saml_metadata_signing_cert: what the refresh job stored), saml_metadata_signing_cert only
/// with saml_metadata_url, saml_encrypt only with an encryption key in
/// the metadata, signed requests (asked or defaulted) only with a signing key in it.
/// @returns the SP's entityID ("" when the document has no SAML members, or only a
/// saml_metadata_url, whose metadata is not known yet), or the error naming the member at fault.
Result<std::string, MetadataError> check_saml_registration(const boost::json::object& doc);

}  // namespace gatehouse::client
