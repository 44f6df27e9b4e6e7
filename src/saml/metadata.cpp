#include "saml/metadata.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <set>

#include <boost/url/parse.hpp>

namespace gatehouse::saml {
namespace {

// Bounds on the lists one document may hold: far above any real SP, low enough that a hostile
// document costs little (each key is a certificate parse).
constexpr std::size_t kMaxEndpoints = 64;
constexpr std::size_t kMaxKeyDescriptors = 16;
constexpr std::size_t kMaxListEntries = 32;  // NameIDFormat, EncryptionMethod per key
constexpr std::size_t kMaxUriLength = 1024;  // binding, format and algorithm URIs

constexpr std::string_view kSaml20Protocol = "urn:oasis:names:tc:SAML:2.0:protocol";

using Reason = Result<void, std::string>;

std::string trimmed(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return std::string(s);
}

/// Printable ASCII without spaces: what a URI is, before its syntax is checked.
bool uri_characters(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

/// An xs:boolean attribute ("true", "false", "1", "0"); `fallback` when absent.
Result<bool, std::string> boolean_attribute(const xmlNode* element, std::string_view name, bool fallback) {
  const auto value = attribute(element, name);
  if (!value) return fallback;
  const auto v = trimmed(*value);
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  return unexpected(std::string(local_name(element)) + ": " + std::string(name) + " must be true or false");
}

/// An entityID: an absolute URI (a URL or a URN) of at most kMaxEntityIdLength characters.
Reason check_entity_id(const std::optional<std::string>& id) {
  if (!id || id->empty()) return unexpected(std::string("EntityDescriptor: no entityID"));
  if (id->size() > kMaxEntityIdLength) return unexpected(std::string("EntityDescriptor: the entityID is longer than 1024 characters"));
  auto parsed = boost::urls::parse_uri(*id);
  if (!uri_characters(*id) || !parsed)
    return unexpected("EntityDescriptor: the entityID '" + *id + "' is not an absolute URI");
  return {};
}

/// An endpoint Location: an absolute http or https URL with a host, no user information and no
/// fragment (a browser is sent there with the assertion).
Reason check_location(std::string_view what, std::string_view url) {
  const auto refuse = [&](std::string_view why) {
    return unexpected(std::string(what) + ": Location '" + std::string(url.substr(0, 200)) + "' " + std::string(why));
  };
  if (url.empty()) return refuse("is empty");
  if (url.size() > kMaxLocationLength) return refuse("is longer than 2048 characters");
  auto parsed = boost::urls::parse_uri(url);
  if (!uri_characters(url) || !parsed || parsed->host().empty()) return refuse("is not an absolute URL with a host");
  if (parsed->scheme() != "https" && parsed->scheme() != "http") return refuse("must use https or http");
  if (parsed->has_userinfo()) return refuse("must not contain user information (@)");
  if (parsed->has_fragment()) return refuse("must not contain a fragment");
  return {};
}

/// The root's EntityDescriptor: the root itself, or the only child of an EntitiesDescriptor root.
Result<xmlNodePtr, std::string> entity_descriptor(const Document& doc) {
  xmlNodePtr root = doc.root();
  if (is_element(root, kNsMetadata, "EntityDescriptor")) return root;
  if (!is_element(root, kNsMetadata, "EntitiesDescriptor"))
    return unexpected(std::string("the root element is not an md:EntityDescriptor or md:EntitiesDescriptor"));
  if (first_child(root, kNsMetadata, "EntitiesDescriptor") != nullptr)
    return unexpected(std::string("EntitiesDescriptor: a nested EntitiesDescriptor (one SP per registration)"));
  const auto entities = children(root, kNsMetadata, "EntityDescriptor");
  if (entities.size() != 1)
    return unexpected("EntitiesDescriptor: holds " + std::to_string(entities.size()) +
                      " EntityDescriptor elements, not exactly one (one SP per registration)");
  return entities.front();
}

/// The only SPSSODescriptor, which must support SAML 2.0.
Result<xmlNodePtr, std::string> sp_descriptor(const xmlNode* entity) {
  const auto all = children(entity, kNsMetadata, "SPSSODescriptor");
  if (all.empty()) return unexpected(std::string("EntityDescriptor: no SPSSODescriptor (this is not a service provider)"));
  if (all.size() > 1) return unexpected(std::string("EntityDescriptor: more than one SPSSODescriptor"));
  const auto protocols = attribute(all.front(), "protocolSupportEnumeration").value_or("");
  std::size_t start = 0;
  while (start < protocols.size()) {
    const auto end = std::min(protocols.find_first_of(" \t\r\n", start), protocols.size());
    if (std::string_view(protocols).substr(start, end - start) == kSaml20Protocol) return all.front();
    start = end + 1;
  }
  return unexpected(std::string("SPSSODescriptor: protocolSupportEnumeration does not list ") + std::string(kSaml20Protocol));
}

/// Binding and Location of an endpoint; both are required by the schema.
Reason endpoint_basics(const xmlNode* e, std::string_view what, std::string& binding, std::string& location) {
  auto b = attribute(e, "Binding");
  auto l = attribute(e, "Location");
  if (!b || b->empty()) return unexpected(std::string(what) + ": no Binding");
  if (!l) return unexpected(std::string(what) + ": no Location");
  if (b->size() > kMaxUriLength) return unexpected(std::string(what) + ": the Binding is too long");
  binding = std::move(*b);
  location = std::move(*l);
  return {};
}

/// An unsignedShort index attribute (required on indexed endpoints).
Result<std::uint16_t, std::string> index_attribute(const xmlNode* e, std::string_view what) {
  const auto text = trimmed(attribute(e, "index").value_or(""));
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > 65535)
    return unexpected(std::string(what) + ": index must be a number from 0 to 65535");
  return static_cast<std::uint16_t>(value);
}

Reason read_assertion_consumers(const xmlNode* sp, SpMetadata& out) {
  const auto all = children(sp, kNsMetadata, "AssertionConsumerService");
  if (all.size() > kMaxEndpoints) return unexpected(std::string("SPSSODescriptor: more than 64 AssertionConsumerService elements"));
  std::set<std::uint16_t> indexes;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto what = "AssertionConsumerService " + std::to_string(i + 1);
    AssertionConsumerService acs;
    if (auto r = endpoint_basics(all[i], what, acs.binding, acs.location); !r) return r;
    // Other bindings (PAOS for ECP, the SAML 1 ones) are ignored, not refused: the SP may use
    // them with other IdPs.
    if (acs.binding != kBindingPost && acs.binding != kBindingArtifact) continue;
    if (auto r = check_location(what, acs.location); !r) return r;
    auto index = index_attribute(all[i], what);
    if (!index) return unexpected(index.error());
    if (!indexes.insert(*index).second) return unexpected(what + ": index " + std::to_string(*index) + " is used twice");
    acs.index = *index;
    if (attribute(all[i], "isDefault")) {
      auto d = boolean_attribute(all[i], "isDefault", false);
      if (!d) return unexpected(what + ": isDefault must be true or false");
      acs.is_default = *d;
    }
    out.assertion_consumers.push_back(std::move(acs));
  }
  if (out.assertion_consumers.empty())
    return unexpected(std::string("SPSSODescriptor: no AssertionConsumerService with the HTTP-POST or HTTP-Artifact binding"));
  return {};
}

Reason read_logout_services(const xmlNode* sp, SpMetadata& out) {
  const auto all = children(sp, kNsMetadata, "SingleLogoutService");
  if (all.size() > kMaxEndpoints) return unexpected(std::string("SPSSODescriptor: more than 64 SingleLogoutService elements"));
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto what = "SingleLogoutService " + std::to_string(i + 1);
    SingleLogoutService slo;
    if (auto r = endpoint_basics(all[i], what, slo.binding, slo.location); !r) return r;
    if (slo.binding != kBindingRedirect && slo.binding != kBindingPost && slo.binding != kBindingSoap) continue;
    if (auto r = check_location(what, slo.location); !r) return r;
    if (auto response = attribute(all[i], "ResponseLocation")) {
      if (auto r = check_location(what + " ResponseLocation", *response); !r) return r;
      slo.response_location = std::move(*response);
    }
    out.logout_services.push_back(std::move(slo));
  }
  return {};
}

/// The one ds:X509Certificate of a KeyDescriptor's ds:KeyInfo, as a trusted key.
Result<TrustedKey, std::string> descriptor_key(const xmlNode* descriptor, const std::string& what) {
  auto info = exactly_one_child(descriptor, kNsDsig, "KeyInfo");
  if (!info) return unexpected(what + ": " + info.error());
  std::vector<xmlNodePtr> certificates;
  for (xmlNodePtr data : children(*info, kNsDsig, "X509Data"))
    for (xmlNodePtr c : children(data, kNsDsig, "X509Certificate")) certificates.push_back(c);
  if (certificates.size() != 1)
    return unexpected(what + ": KeyInfo must hold exactly one ds:X509Data/ds:X509Certificate (it holds " +
                      std::to_string(certificates.size()) + ")");
  auto key = TrustedKey::from_certificate_base64(text(certificates.front()));
  if (!key) return unexpected(what + ": " + key.error());
  return key;
}

Reason read_keys(const xmlNode* sp, SpMetadata& out) {
  const auto all = children(sp, kNsMetadata, "KeyDescriptor");
  if (all.size() > kMaxKeyDescriptors) return unexpected(std::string("SPSSODescriptor: more than 16 KeyDescriptor elements"));
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto what = "KeyDescriptor " + std::to_string(i + 1);
    const auto use = attribute(all[i], "use");
    if (use && *use != "signing" && *use != "encryption")
      return unexpected(what + ": use must be \"signing\" or \"encryption\" (or absent, for both)");
    auto key = descriptor_key(all[i], what);
    if (!key) return unexpected(key.error());
    if (!use || *use == "signing") out.signing_keys.push_back(*key);
    if (use && *use == "signing") continue;
    EncryptionKey encryption{*key, {}};
    const auto methods = children(all[i], kNsMetadata, "EncryptionMethod");
    if (methods.size() > kMaxListEntries) return unexpected(what + ": more than 32 EncryptionMethod elements");
    for (xmlNodePtr m : methods) {
      const auto algorithm = attribute(m, "Algorithm");
      if (!algorithm || algorithm->empty() || algorithm->size() > kMaxUriLength || !uri_characters(*algorithm))
        return unexpected(what + ": an EncryptionMethod without a valid Algorithm URI");
      encryption.methods.push_back(*algorithm);
    }
    out.encryption_keys.push_back(std::move(encryption));
  }
  return {};
}

Reason read_nameid_formats(const xmlNode* sp, SpMetadata& out) {
  const auto all = children(sp, kNsMetadata, "NameIDFormat");
  if (all.size() > kMaxListEntries) return unexpected(std::string("SPSSODescriptor: more than 32 NameIDFormat elements"));
  for (xmlNodePtr f : all) {
    auto format = trimmed(text(f));
    if (format.empty() || format.size() > kMaxUriLength || !uri_characters(format))
      return unexpected(std::string("NameIDFormat: '") + format.substr(0, 200) + "' is not a URI");
    out.nameid_formats.push_back(std::move(format));
  }
  return {};
}

}  // namespace

std::string_view nameid_format_uri(std::string_view value) {
  for (auto uri : kNameIdFormats)
    if (value == uri || value == uri.substr(uri.rfind(':') + 1)) return uri;
  return {};
}

const AssertionConsumerService& SpMetadata::default_assertion_consumer() const {
  const auto& all = assertion_consumers;
  for (const auto& a : all)
    if (a.is_default == true) return a;
  for (const auto& a : all)
    if (!a.is_default.has_value()) return a;
  return all.front();  // parse_sp_metadata never answers an SpMetadata without one
}

const AssertionConsumerService* SpMetadata::assertion_consumer_by_index(std::uint16_t index) const {
  for (const auto& a : assertion_consumers)
    if (a.index == index) return &a;
  return nullptr;
}

const AssertionConsumerService* SpMetadata::assertion_consumer_by_location(std::string_view location,
                                                                           std::string_view binding) const {
  for (const auto& a : assertion_consumers)
    if (a.location == location && a.binding == binding) return &a;
  return nullptr;
}

Result<SpMetadata, std::string> parse_sp_metadata(const Document& doc) {
  auto entity = entity_descriptor(doc);
  if (!entity) return unexpected(entity.error());
  SpMetadata out;
  const auto id = attribute(*entity, "entityID");
  if (auto r = check_entity_id(id); !r) return unexpected(r.error());
  out.entity_id = *id;
  auto sp = sp_descriptor(*entity);
  if (!sp) return unexpected(sp.error());
  auto signed_requests = boolean_attribute(*sp, "AuthnRequestsSigned", false);
  if (!signed_requests) return unexpected(signed_requests.error());
  out.authn_requests_signed = *signed_requests;
  auto signed_assertions = boolean_attribute(*sp, "WantAssertionsSigned", false);
  if (!signed_assertions) return unexpected(signed_assertions.error());
  out.want_assertions_signed = *signed_assertions;
  for (auto step : {read_assertion_consumers, read_logout_services, read_keys, read_nameid_formats})
    if (auto r = step(*sp, out); !r) return unexpected(r.error());
  return out;
}

Result<SpMetadata, std::string> parse_sp_metadata(std::string_view bytes) {
  auto doc = parse(bytes, kMaxMetadataBytes);
  if (!doc) return unexpected(doc.error());
  return parse_sp_metadata(*doc);
}

}  // namespace gatehouse::saml
