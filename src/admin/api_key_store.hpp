#pragma once
// Port: admin API keys. Only a keyed hash of each key is stored; the key is shown once at creation.
// A key may expire, and may be read-only (GET requests only).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace gatehouse::admin {

/// What a key may do: everything, or read (GET) only.
enum class ApiKeyRole { kAdmin, kReadOnly };

/// The role's name in the API, the kickstart file and the store: "admin" or "read_only".
constexpr std::string_view to_string(ApiKeyRole role) { return role == ApiKeyRole::kAdmin ? "admin" : "read_only"; }
/// The role named `name`, nullopt for any other text.
constexpr std::optional<ApiKeyRole> api_key_role_from(std::string_view name) {
  if (name == "admin") return ApiKeyRole::kAdmin;
  if (name == "read_only") return ApiKeyRole::kReadOnly;
  return std::nullopt;
}

/// Minimum length of an API key given in a kickstart file.
inline constexpr std::size_t kMinApiKeyLength = 16;

struct ApiKey {
  std::string id;           // public identifier, used to list and delete
  std::string key_hash;     // HMAC-SHA-256 of the key under a master-key-derived key
  std::string description;
  UnixSeconds created_at = 0;
  std::optional<UnixSeconds> expires_at;  // refused from this moment on; nullopt: never expires
  ApiKeyRole role = ApiKeyRole::kAdmin;
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
