#pragma once
// Port: where clients live. Implemented by storage/sqlite (and storage/postgres in cluster mode).
// Storage faults throw StorageError; "not found" is nullopt / false.

#include <optional>
#include <string>

#include "client/client.hpp"

namespace gatehouse::client {

/// kEntityIdTaken: another application holds the client's saml_entity_id (nothing written).
enum class UpdateResult { kOk, kNotFound, kStale, kEntityIdTaken };

class ClientStore {
 public:
  virtual ~ClientStore() = default;
  virtual std::optional<Client> find(const std::string& client_id) = 0;
  /// Ordered by client_id. @param limit at most this many items; total counts all clients.
  virtual ClientPage list(std::size_t offset, std::size_t limit) = 0;
  /// @returns false (and changes nothing) if a client with this client_id already exists, or
  /// another one holds this client's saml_entity_id (when not empty: the store keeps entity IDs
  /// unique, also between nodes writing at once). find(client_id) tells the two apart.
  virtual bool insert(const Client& client) = 0;
  /// Replaces every field but client_id, created_at and version, if the stored version is still
  /// `client.version` (the one the caller read); the stored version then becomes one more.
  /// @returns kNotFound if there is no such client, kStale (nothing written) if it changed since,
  /// kEntityIdTaken (nothing written) if another client holds its non-empty saml_entity_id.
  virtual UpdateResult update(const Client& client) = 0;
  /// @returns false if there was no such client.
  virtual bool remove(const std::string& client_id) = 0;
};

}  // namespace gatehouse::client
