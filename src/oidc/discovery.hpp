#pragma once
// Provider metadata (OpenID Connect Discovery 1.0, RFC 8414) and the JWKS document (RFC 7517).

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "http/router.hpp"
#include "keys/key_ring.hpp"

namespace gatehouse::oidc {

inline constexpr std::string_view kJwksPath = "/.well-known/jwks.json";
inline constexpr std::string_view kOpenIdConfigurationPath = "/.well-known/openid-configuration";
inline constexpr std::string_view kOAuthMetadataPath = "/.well-known/oauth-authorization-server";

struct DiscoveryDeps {
  std::string issuer;
  std::vector<std::string> signing_algs;  // configured keys.algorithms
  std::chrono::seconds jwks_max_age;
  const keys::KeyRing& ring;
};

/// The metadata document; built once, since everything in it is fixed for the process.
std::string metadata_json(const DiscoveryDeps& deps);

/// Registers the two metadata documents and the JWKS. `deps` must outlive the router.
void add_routes(http::Router& router, const DiscoveryDeps& deps);

}  // namespace gatehouse::oidc
