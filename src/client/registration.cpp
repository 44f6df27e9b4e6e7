#include "client/registration.hpp"

#include "jose/openssl/crypto.hpp"

namespace gatehouse::client {

NewClient prepare_new_client(ClientDraft draft, const SecretHasher& hasher, UnixSeconds now) {
  NewClient out{std::move(draft.client), {}};
  if (out.client.client_id.empty()) out.client.client_id = jose::random_token(12);
  if (uses_secret(out.client)) {
    out.secret = draft.secret ? *draft.secret : jose::random_token(32);
    out.client.secret_hash = hasher.hash(out.secret);
  }
  out.client.created_at = now;
  out.client.updated_at = now;
  return out;
}

NewClient prepare_replacement(const Client& existing, ClientDraft draft, const SecretHasher& hasher, UnixSeconds now) {
  NewClient out{std::move(draft.client), {}};
  out.client.client_id = existing.client_id;
  out.client.created_at = existing.created_at;
  out.client.updated_at = now;
  out.client.version = existing.version;  // the store replaces only this version
  if (!uses_secret(out.client)) {
    out.client.secret_hash.clear();
  } else if (draft.secret) {
    out.secret = *draft.secret;
    out.client.secret_hash = hasher.hash(out.secret);
  } else if (existing.secret_hash.empty()) {
    out.secret = jose::random_token(32);
    out.client.secret_hash = hasher.hash(out.secret);
  } else {
    out.client.secret_hash = existing.secret_hash;
  }
  return out;
}

}  // namespace gatehouse::client
