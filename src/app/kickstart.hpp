#pragma once
// Kickstart files: the API keys and applications a fresh installation starts with. The whole file
// is validated before anything is written, and applying it again changes nothing: an API key whose
// value is already stored and an application whose client_id exists are left as they are. Each
// applied entry is recorded in the settings store, so an entry applied once is never applied
// again: an API key or application deleted later stays deleted when the node restarts with the
// same bootstrap.kickstart (the demo credentials of the quick start cannot come back).

#include <optional>
#include <string>
#include <vector>

#include "admin/api_key_store.hpp"
#include "client/client_metadata.hpp"
#include "client/client_store.hpp"
#include "client/secret_hasher.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "mfa/factors.hpp"
#include "settings/settings_store.hpp"
#include "user/password_hasher.hpp"
#include "user/user_profile.hpp"
#include "user/user_store.hpp"

namespace gatehouse::app {

struct KickstartApiKey {
  ApiKeyValue key;
  std::string description;
  admin::ApiKeyRole role = admin::ApiKeyRole::kAdmin;
  std::optional<UnixSeconds> expires_at;  // nullopt: never
};

struct KickstartPlan {
  std::vector<KickstartApiKey> api_keys;
  std::vector<client::ClientDraft> applications;
  std::vector<user::ProfileDraft> users;  // matched by username (ASCII case-insensitive)
};

/// What the entries are validated against.
struct KickstartRules {
  client::MetadataDefaults metadata;
  int min_password_length = 8;
};

/// @returns the validated plan, or a message naming the entry at fault ("applications[0].grant_types: ...").
Result<KickstartPlan, std::string> parse_kickstart(const std::string& text, const KickstartRules& rules);
/// Reads and parses the file. @returns a message naming the file when it cannot be read.
Result<KickstartPlan, std::string> read_kickstart(const std::string& path, const KickstartRules& rules);

struct KickstartOutcome {
  std::size_t api_keys_created = 0;
  std::size_t api_keys_present = 0;       // the key is stored (or was applied before)
  std::size_t applications_created = 0;
  std::size_t applications_present = 0;   // the client_id exists (or was applied before)
  std::size_t users_created = 0;
  std::size_t users_present = 0;          // the username exists (or was applied before)
};

/// Where and how the plan is applied.
struct KickstartTargets {
  client::ClientStore& clients;
  admin::ApiKeyStore& api_keys;
  user::UserStore& users;
  settings::SettingsStore& ledger;
  const client::SecretHasher& client_secrets;
  const client::SecretHasher& api_key_hasher;
  const user::PasswordHasher& passwords;
  const Clock& clock;
  /// Where a new user's "totp_secret" is imported (nullptr: seeds are left out; tests only).
  const mfa::Factors* factors = nullptr;
};

/// Applies the plan entry by entry; each entry is atomic and recorded in `ledger`, so an
/// interrupted run is completed by the next one.
KickstartOutcome apply_kickstart(const KickstartPlan& plan, const KickstartTargets& to);

}  // namespace gatehouse::app
