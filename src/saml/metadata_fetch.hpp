#pragma once
// Metadata fetched from an SP's saml_metadata_url, and the only way it is ever trusted: an
// md:EntityDescriptor whose enveloped signature verifies with the key the operator registered for
// that SP (saml_metadata_signing_cert, a PEM certificate), never with a key the document carries;
// still valid (validUntil, when given, not passed); and for the entityID already registered, once
// there is one. An unsigned document, or one signed by any other key, is never used, however it
// arrived (https only proves where it came from, not who wrote it). Thread safe.

#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "saml/keys.hpp"
#include "saml/metadata.hpp"

namespace gatehouse::saml {

/// The key a saml_metadata_signing_cert names: exactly one PEM "CERTIFICATE" block (text around
/// it is ignored) whose certificate holds an RSA (2048+ bits) or EC key. @returns a reason
/// otherwise (no block, two blocks, not base64, not a certificate, a key too weak).
Result<TrustedKey, std::string> metadata_signing_key(std::string_view pem);

/// Checks fetched metadata bytes: parsed as SP metadata is (size cap, no DTD); the root an
/// md:EntityDescriptor with an ID and a ds:Signature that verifies with `signer` only (one
/// same-document reference to the root, the usual allow-lists, see dsig.hpp); validUntil, when
/// present, a UTC instant later than `now`; then parse_sp_metadata(), and its entityID equal to
/// `registered_entity_id` unless that is "" (no metadata accepted yet). @returns the metadata, or
/// a reason for the log and the audit record ("metadata from its URL: not signed", ...).
Result<SpMetadata, std::string> accept_fetched_metadata(std::string_view bytes, const TrustedKey& signer,
                                                        std::string_view registered_entity_id, UnixSeconds now);

}  // namespace gatehouse::saml
