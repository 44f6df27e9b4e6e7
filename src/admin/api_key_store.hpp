#pragma once
// Port: admin API keys. Only a keyed hash of each key is stored; the key is shown once at creation.

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace gatehouse::admin {

struct ApiKey {
  std::string id;           // public identifier, used to list and delete
  std::string key_hash;     // HMAC-SHA-256 of the key under a master-key-derived key
  std::string description;
  UnixSeconds created_at = 0;
};

class ApiKeyStore {
 public:
  virtual ~ApiKeyStore() = default;
  virtual std::optional<ApiKey> find_by_hash(const std::string& key_hash) = 0;
  /// Ordered by created_at, then id.
  virtual std::vector<ApiKey> list() = 0;
  /// @returns false (and changes nothing) if the id or the key hash already exists.
  virtual bool insert(const ApiKey& key) = 0;
  /// @returns false if there was no such key.
  virtual bool remove(const std::string& id) = 0;
};

}  // namespace gatehouse::admin
