#pragma once
// Turning validated metadata into a stored client: ids and secrets generated when absent, the
// secret hashed. Shared by the admin API and kickstart files.

#include <string>

#include "client/client_metadata.hpp"
#include "client/secret_hasher.hpp"

namespace gatehouse::client {

struct NewClient {
  Client client;
  std::string secret;  // the plaintext secret, to show once; empty for public clients
};

/// Generates client_id (if absent) and the secret (if absent and the client is confidential),
/// hashes the secret and stamps the times.
NewClient prepare_new_client(ClientDraft draft, const SecretHasher& hasher, UnixSeconds now);

/// Applies a replacement document to an existing client: metadata replaced, client_id and
/// created_at kept, the secret kept unless the draft sets one (or a public client becomes
/// confidential, which needs a new one). @returns the client and any new plaintext secret.
NewClient prepare_replacement(const Client& existing, ClientDraft draft, const SecretHasher& hasher, UnixSeconds now);

}  // namespace gatehouse::client
