#pragma once
// Reading the SOAP binding's ArtifactResolve (SAML core §3.5.1, bindings §3.2, §3.6.5): the
// samlp:ArtifactResolve alone in a SOAP 1.1 envelope's body, the fields the /saml/artifact
// endpoint acts on, and the MessageHandle of a type 0x0004 artifact (bindings §3.6.4). Shape
// only: who signed it and whether the artifact is still in the store are the endpoint's checks.
// Thread safe; one thread at a time per Document.

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "saml/xml.hpp"

namespace gatehouse::saml {

/// The SOAP 1.1 envelope namespace.
inline constexpr std::string_view kNsSoap = "http://schemas.xmlsoap.org/soap/envelope/";

/// The one SAML protocol element `local` (samlp namespace) alone in a SOAP 1.1 envelope's body.
/// @returns a reason when the root is not an Envelope, it has not exactly one Body, or the Body
/// holds anything else.
Result<xmlNodePtr, std::string> soap_body_element(const Document& doc, std::string_view local);

/// A SOAP 1.1 envelope around `body` (serialized XML without a declaration).
std::string soap_envelope(std::string_view body);

/// What the endpoint needs of an ArtifactResolve. `element` belongs to the Document read.
struct ArtifactResolve {
  xmlNodePtr element = nullptr;  ///< the samlp:ArtifactResolve (its signature is verified on it)
  std::string id;                ///< an NCName (is_ncname)
  std::string issuer;            ///< the text of its saml:Issuer (may be empty: no SP has that name)
  std::string artifact;          ///< the text of its samlp:Artifact, as sent (base64)
  UnixSeconds issue_instant = 0;
};

/// Reads the ArtifactResolve of a SOAP message. @returns a reason, safe for a SOAP fault, when the
/// root is not a SOAP 1.1 Envelope, it has not exactly one Body, the Body holds anything but one
/// samlp:ArtifactResolve element, or that element lacks Version "2.0", a non-empty ID, exactly one
/// saml:Issuer, exactly one samlp:Artifact or a UTC IssueInstant ("the ArtifactResolve is
/// incomplete"), or its ID is not an NCName ("the ArtifactResolve's ID is not an NCName": the ID
/// is echoed in the answer and logged, so nothing else is let through).
Result<ArtifactResolve, std::string> read_artifact_resolve(const Document& doc);

/// The MessageHandle (20 bytes) of a type 0x0004 artifact (base64 of 44 bytes: type code,
/// endpoint index, SHA-1 of the issuer's entity ID, handle) issued by `idp_entity_id`.
/// @returns nullopt for anything else: not base64, another length or type, another issuer.
std::optional<std::string> artifact_message_handle(std::string_view artifact, std::string_view idp_entity_id);

}  // namespace gatehouse::saml
