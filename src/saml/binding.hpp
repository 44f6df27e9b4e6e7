#pragma once
// The front-channel bindings every SAML endpoint of a browser shares (SAML bindings §3.4, §3.5):
// a message received by HTTP-Redirect (DEFLATE, base64, the detached signature over the query
// bytes as sent) or HTTP-POST (base64, an enveloped signature), its signature checked against an
// SP's metadata keys, and the auto-posting page that sends a message by HTTP-POST.

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "http/message.hpp"
#include "saml/keys.hpp"
#include "saml/xml.hpp"

namespace gatehouse::saml {

inline constexpr std::size_t kMaxMessageBytes = 256 * 1024;  // a message, inflated or decoded
inline constexpr std::size_t kMaxQueryBytes = 64 * 1024;     // the Redirect binding's whole query
inline constexpr std::size_t kMaxRelayState = 1024;          // the binding says senders keep it to 80 bytes

/// A message as it arrived, before any check of who sent it.
struct Received {
  Document doc;
  std::string parameter;  ///< "SAMLRequest" or "SAMLResponse"
  std::string relay_state;
  bool redirect = false;
  // The Redirect binding's detached signature (empty when unsigned or POST).
  std::string sig_alg;
  std::string signature;
  std::string signed_octets;
};

/// Reads a GET (HTTP-Redirect) or form POST (HTTP-POST) message. @returns a short reason for the
/// logs when: the query or form cannot be read; the parameter is not one of `accepted`; it is not
/// base64 (or DEFLATE within kMaxMessageBytes, for Redirect); RelayState is over kMaxRelayState;
/// the XML is not acceptable to parse().
Result<Received, std::string> receive(const http::Request& request, const std::vector<std::string_view>& accepted);

/// The signature checks (SAML bindings §3.4.4.1, §3.5.4): a Redirect message carries no enveloped
/// signature; a detached or an enveloped signature present must verify with `keys` (the SP's
/// metadata keys only); one is required when `required`. `has_enveloped`: the message element
/// has a ds:Signature child. `element`: the message element (the document's root).
Result<void, std::string> check_signature(Received& r, xmlNodePtr element, bool has_enveloped,
                                          const std::vector<TrustedKey>& keys, bool required);

/// The HTML page that posts `field`=`value` (and RelayState when not empty) to `url` by itself
/// (a script; a button without it): the HTTP-POST binding's sending side.
http::Response post_page(const std::string& url, std::string_view field, const std::string& value,
                         const std::string& relay_state);

}  // namespace gatehouse::saml
