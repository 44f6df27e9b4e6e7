#pragma once
// The cluster's master key: 32 random bytes every node must hold (file or environment). It never
// encrypts data directly; purpose-bound subkeys are derived from it with HKDF (RFC 5869), and a
// check value derived the same way is stored in the database so a node with another key refuses to
// start instead of writing data nobody else can read.

#include <string>
#include <string_view>

#include "core/secret.hpp"
#include "keys/key_store.hpp"

namespace gatehouse::keys {

inline constexpr std::size_t kMasterKeySize = 32;

/// Purposes of derived subkeys; each yields an independent 32-byte key.
inline constexpr std::string_view kKeyEncryptionPurpose = "signing-key-encryption";
inline constexpr std::string_view kClientSecretHashPurpose = "client-secret-hash";
inline constexpr std::string_view kApiKeyHashPurpose = "api-key-hash";
inline constexpr std::string_view kRefreshGracePurpose = "refresh-grace-sealing";
inline constexpr std::string_view kNodeRequestPurpose = "node-to-node-requests";
inline constexpr std::string_view kCsrfTokenPurpose = "csrf-tokens";
inline constexpr std::string_view kSamlSessionIndexPurpose = "saml-session-index";

class MasterKey {
 public:
  /// @throws StartupError unless raw is exactly 32 bytes.
  explicit MasterKey(std::string raw);
  /// A 32-byte subkey for one purpose (HKDF-SHA-256, info "gatehouse/v1/<purpose>").
  KeyBytes derive(std::string_view purpose) const;
  /// The value stored in the database to recognise this key (base64url, not reversible).
  std::string check_value() const;

 private:
  MasterKeyBytes raw_;
};

struct MasterKeySource {
  std::string file;           // keys.master_key_file
  MasterKeyBytes inline_text;  // keys.master_key / GATEHOUSE_KEYS_MASTER_KEY (base64url); wins over the file
};

/// Loads the master key and checks it against the store, creating both on a fresh installation:
/// - an inline key is used as given; otherwise the file is read;
/// - a missing file is created (mode 0600, parent folder created) only if the store has no check
///   value yet; if the store has one, the start is refused (the data belongs to another key);
/// - the check value is stored if absent, and must equal the stored one otherwise.
/// @throws StartupError with an operator-facing message on any refusal.
MasterKey load_master_key(const MasterKeySource& source, KeyStore& store);

}  // namespace gatehouse::keys
