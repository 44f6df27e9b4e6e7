#pragma once
// The admin API under /api/: applications (OAuth clients) and API keys. Every route requires an
// API key in the Authorization header ("Bearer <key>" or the key alone).

#include <string>

#include "admin/api_key_store.hpp"
#include "client/client_metadata.hpp"
#include "client/client_store.hpp"
#include "client/secret_hasher.hpp"
#include "core/clock.hpp"
#include "http/router.hpp"

namespace gatehouse::admin {

struct AdminDeps {
  client::ClientStore& clients;
  ApiKeyStore& api_keys;
  const client::SecretHasher& client_secrets;
  const client::SecretHasher& api_key_hasher;
  client::MetadataDefaults metadata_defaults;
  const Clock& clock;
};

/// Minimum length of an API key given in a kickstart file.
inline constexpr std::size_t kMinApiKeyLength = 16;

/// A new API key record for `key` (id generated, key hashed).
ApiKey make_api_key(const std::string& key, std::string description, const client::SecretHasher& hasher,
                    UnixSeconds now);

/// Registers the admin routes. `deps` must outlive the router.
void add_routes(http::Router& router, const AdminDeps& deps);

}  // namespace gatehouse::admin
