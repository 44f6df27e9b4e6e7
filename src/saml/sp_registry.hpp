#pragma once
// The SAML service provider registry: SAML SPs are applications of the client registry with SAML
// members in their registration (client/saml_members.cpp checks them when they are registered), so
// they share the admin API, the console, kickstart, audit and the cluster's change events with OIDC
// clients and CAS services. Here every registration is read once into an SpRegistration (its
// metadata parsed) and looked up by the SP's entityID (an AuthnRequest's Issuer) or by client_id.
//
// saml/ does not depend on client/: the composition root hands each application over as an
// SpSource (its id, name, extra_metadata and mfa_policy).

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "saml/metadata.hpp"

namespace gatehouse::saml {

/// What the IdP signs in a Response (saml_sign).
enum class SignWhat { kAssertion, kResponse, kBoth };

/// One application as the client registry has it, reduced to what the SAML side reads.
struct SpSource {
  std::string client_id;
  std::string name;            // client_name ("" when none)
  std::string extra_metadata;  // the kept members, a JSON object (client::Client::extra_metadata)
  std::string mfa_policy;      // client::mfa_policy() ("" = installation default)
};

/// The SAML side of one application's registration.
struct SpRegistration {
  std::string client_id;
  std::string name;       // client_name, else client_id (the login page's "to continue to")
  std::string entity_id;  // metadata.entity_id
  SpMetadata metadata;    // saml_metadata, parsed
  std::string metadata_url;                 // saml_metadata_url ("" when the metadata is inline)
  std::vector<std::string> attributes;      // saml_attributes: the claim names released
  std::string nameid_format;                // saml_nameid_format as its URI; "" when not set
  SignWhat sign = SignWhat::kAssertion;     // saml_sign
  bool encrypt = false;                     // saml_encrypt
  bool require_signed_requests = false;     // saml_require_signed_requests, else AuthnRequestsSigned
  bool allow_idp_initiated = false;         // saml_allow_idp_initiated
  std::string affiliation;                  // saml_affiliation ("" when none)
  std::string mfa_policy;
};

/// The SAML registration of an application. @returns nullopt when it is not a SAML SP, or names
/// only a saml_metadata_url (no metadata yet: client/saml_metadata_refresh.hpp has not stored one); an error (the
/// metadata's reason) when its saml_metadata no longer parses.
Result<std::optional<SpRegistration>, std::string> registration_of(const SpSource& source);

/// Every SAML registration, parsed; rebuilt from the client registry after invalidate() (a client
/// changed, here or on another node) or after `ttl` (a missed event). A registration whose metadata
/// no longer parses (a stricter release, say) is left out with one warning log line per rebuild.
/// When a reload fails the previous registry is served and a reload is tried again a second later.
/// Thread safe.
class SpRegistry {
 public:
  /// `load` answers every registered application (it may block: call lookups from worker threads).
  using Loader = std::function<std::vector<SpSource>()>;
  SpRegistry(Loader load, std::chrono::seconds ttl, const Clock& clock);
  ~SpRegistry();
  SpRegistry(const SpRegistry&) = delete;
  SpRegistry& operator=(const SpRegistry&) = delete;

  /// The registration of the SP with this entityID (byte for byte); nullptr when none.
  std::shared_ptr<const SpRegistration> by_entity_id(std::string_view entity_id) const;
  /// The registration of `client_id`, if it is a SAML SP with metadata.
  std::shared_ptr<const SpRegistration> by_client(std::string_view client_id) const;
  /// The next lookup reloads.
  void invalidate();

 private:
  struct State;  // the parsed registrations, kept by a core/reloading_snapshot.hpp
  std::unique_ptr<State> state_;
};

}  // namespace gatehouse::saml
