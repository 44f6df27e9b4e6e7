#include "client/saml_members.hpp"

#include <algorithm>
#include <array>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "client/claim_names.hpp"
#include "saml/metadata.hpp"
#include "saml/metadata_fetch.hpp"

namespace gatehouse::client {
namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 10> kSamlMembers{
    "saml_metadata", "saml_metadata_url", "saml_metadata_signing_cert", "saml_attributes", "saml_nameid_format", "saml_sign",
    "saml_encrypt", "saml_require_signed_requests", "saml_allow_idp_initiated", "saml_affiliation"};

bool printable_uri(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

/// An absolute https URL with a host and neither user information nor a fragment.
std::string check_https_url(const json::value& v) {
  if (!v.is_string()) return "must be a string";
  const std::string_view url = v.get_string();
  if (url.empty() || url.size() > kMaxSamlUrlLength) return "must be 1 to 2048 characters";
  auto parsed = boost::urls::parse_uri(url);
  if (!printable_uri(url) || !parsed || parsed->host().empty())
    return "'" + std::string(url) + "' is not an absolute URL with a host";
  if (parsed->scheme() != "https") return "'" + std::string(url) + "' must use https";
  if (parsed->has_userinfo()) return "'" + std::string(url) + "' must not contain user information (@)";
  if (parsed->has_fragment()) return "'" + std::string(url) + "' must not contain a fragment";
  return "";
}

/// An entity ID: an absolute URI (URL or URN) of at most saml::kMaxEntityIdLength characters.
std::string check_entity_id(const json::value& v) {
  if (!v.is_string()) return "must be a string";
  const std::string_view id = v.get_string();
  if (id.empty() || id.size() > saml::kMaxEntityIdLength) return "must be 1 to 1024 characters";
  if (!printable_uri(id) || !boost::urls::parse_uri(id)) return "'" + std::string(id) + "' is not an absolute URI";
  return "";
}

bool given(const json::object& doc, std::string_view name) {
  const auto* v = doc.if_contains(name);
  return v != nullptr && !v->is_null();
}

bool flag(const json::object& doc, std::string_view name, bool fallback) {
  const auto* v = doc.if_contains(name);
  return v != nullptr && v->is_bool() ? v->get_bool() : fallback;
}

Unexpected<MetadataError> refuse(std::string field, std::string message) {
  return unexpected(MetadataError{"invalid_client_metadata", std::move(field), std::move(message)});
}

}  // namespace

std::string check_saml_member(std::string_view name, const json::value& value) {
  if (name == "saml_metadata") {
    if (!value.is_string() || value.get_string().empty()) return "must be the SP's md:EntityDescriptor as an XML string";
    if (value.get_string().size() > saml::kMaxMetadataBytes) return "must be at most 256 KiB";
    return "";
  }
  if (name == "saml_metadata_url") return check_https_url(value);
  if (name == "saml_metadata_signing_cert") {
    if (!value.is_string() || value.get_string().size() > kMaxSigningCertLength)
      return "must be a PEM certificate (at most 16 KiB)";
    auto key = saml::metadata_signing_key(value.get_string());
    return key ? "" : key.error();
  }
  if (name == "saml_attributes") return check_claim_names(value, kMaxSamlAttributes);
  if (name == "saml_nameid_format")
    return value.is_string() && !saml::nameid_format_uri(value.get_string()).empty()
               ? ""
               : "must be one of transient, persistent, emailAddress, unspecified (or their full "
                 "urn:oasis:names:tc:SAML:...:nameid-format: URIs)";
  if (name == "saml_sign")
    return value.is_string() && (value == "assertion" || value == "response" || value == "both")
               ? ""
               : "must be \"assertion\", \"response\" or \"both\"";
  if (name == "saml_encrypt" || name == "saml_require_signed_requests" || name == "saml_allow_idp_initiated")
    return value.is_bool() ? "" : "must be true or false";
  if (name == "saml_affiliation") return check_entity_id(value);
  return "is not a SAML member";
}

bool is_saml_application(const json::object& doc) {
  for (std::string_view name : {"saml_metadata", "saml_metadata_url"}) {
    const auto* v = doc.if_contains(name);
    if (v != nullptr && v->is_string() && !v->get_string().empty()) return true;
  }
  return false;
}

Result<std::string, MetadataError> check_saml_registration(const json::object& doc) {
  const bool inline_metadata = given(doc, "saml_metadata");
  const bool url = given(doc, "saml_metadata_url");
  if (given(doc, "saml_metadata_signing_cert") && !url)
    return refuse("saml_metadata_signing_cert", "applies only with saml_metadata_url");
  if (inline_metadata && url) {
    // What the refresh job stored from the URL, read back and sent again (a GET, then a PUT): kept
    // only as a document signed with saml_metadata_signing_cert, as the job would take it.
    if (!given(doc, "saml_metadata_signing_cert"))
      return refuse("saml_metadata_url", "must not be given with saml_metadata: register the metadata or its URL, not both");
    auto key = saml::metadata_signing_key(doc.at("saml_metadata_signing_cert").get_string());
    auto fetched = saml::accept_fetched_metadata(doc.at("saml_metadata").get_string(), *key, "", 0);
    if (!fetched) return refuse("saml_metadata", "with saml_metadata_url must be signed with saml_metadata_signing_cert: " + fetched.error());
  }
  if (!inline_metadata) {
    if (!url)
      for (auto name : kSamlMembers)
        if (given(doc, name)) return refuse(std::string(name), "needs saml_metadata or saml_metadata_url");
    return std::string();  // not a SAML SP, or one whose metadata the fetch job reads later
  }
  auto metadata = saml::parse_sp_metadata(std::string_view(doc.at("saml_metadata").get_string()));
  if (!metadata) return refuse("saml_metadata", "is not usable SP metadata: " + metadata.error());
  if (flag(doc, "saml_encrypt", false) && metadata->encryption_keys.empty())
    return refuse("saml_encrypt",
                  "needs an encryption key in saml_metadata (a KeyDescriptor with use=\"encryption\" or without use)");
  const bool explicit_signed = given(doc, "saml_require_signed_requests");
  if (flag(doc, "saml_require_signed_requests", metadata->authn_requests_signed) && metadata->signing_keys.empty())
    return refuse(explicit_signed ? "saml_require_signed_requests" : "saml_metadata",
                  "signed requests need a signing key in saml_metadata (a KeyDescriptor with use=\"signing\" or "
                  "without use)");
  return std::move(metadata->entity_id);
}

}  // namespace gatehouse::client
