#pragma once
// Port: WebAuthn credentials (passkeys) registered by users. A credential id is unique across the
// installation (WebAuthn L2 §7.1 step 22: a second registration of the same id is refused).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace gatehouse::mfa {

struct Passkey {
  std::string credential_id;  // base64url (no padding) of the raw credential id
  std::string user_id;
  std::string name;           // the user's label ("YubiKey", "Phone"); may be renamed
  std::string public_key;     // the COSE_Key as registered (raw CBOR bytes)
  int algorithm = 0;          // COSE alg: -7 ES256, -257 RS256, -8 EdDSA
  std::int64_t sign_count = 0;  // 0: the authenticator keeps no counter
  bool user_verified = false;   // UV at registration
  bool backup_eligible = false; // BE
  bool backup_state = false;    // BS, as last seen
  bool discoverable = false;    // registered as a discoverable credential (resident key)
  std::string transports;       // space-separated, as the browser reported them ("usb nfc", "internal hybrid")
  std::string aaguid;           // lower-case hex, 32 characters
  bool flagged = false;         // its counter went backwards: possibly cloned; refused from then on
  UnixSeconds created_at = 0;
  UnixSeconds last_used_at = 0;  // 0: never
};

/// Thread safety: every method is safe to call concurrently.
class PasskeyStore {
 public:
  virtual ~PasskeyStore() = default;
  /// @returns false, writing nothing, when a credential with that id exists (of any user).
  virtual bool insert(const Passkey& passkey) = 0;
  virtual std::optional<Passkey> find(const std::string& credential_id) = 0;
  /// The user's passkeys, oldest first.
  virtual std::vector<Passkey> list_user(const std::string& user_id) = 0;
  /// Records a sign-in with the credential: sign_count becomes `new_count`, backup_state and
  /// last_used_at are set, only while its stored count is still `expected_count` and it is not
  /// flagged. @returns true for exactly one caller when several race with the same expected count
  /// and a higher new one (an authenticator without a counter reports 0 each time: 0 to 0 matches for
  /// every caller, and what stops a replay then is the challenge, consumed once).
  virtual bool record_use(const std::string& credential_id, std::int64_t expected_count, std::int64_t new_count,
                          bool backup_state, UnixSeconds now) = 0;
  /// Flags the credential (its counter went backwards), only while its stored count is still
  /// `expected_count` (the count the verdict was made on: an answer handled after a later one flags
  /// nothing). @returns false if there is none, or its count moved.
  virtual bool flag(const std::string& credential_id, std::int64_t expected_count) = 0;
  /// @returns false unless the user has that credential.
  virtual bool rename(const std::string& user_id, const std::string& credential_id, const std::string& name) = 0;
  /// @returns false unless the user had that credential.
  virtual bool remove(const std::string& user_id, const std::string& credential_id) = 0;
  /// Deletes every passkey of the user. @returns how many.
  virtual std::size_t remove_all(const std::string& user_id) = 0;
};

}  // namespace gatehouse::mfa
