#pragma once
// A user's second factors as the rest of the node sees them: TOTP (enrolment, verification with a
// one-use rule across the cluster, import of a seed exported by another system), recovery codes,
// and the summary the sign-in, the account page and the admin API read. Passkeys are registered
// and verified by the WebAuthn ceremonies (mfa/passkeys.hpp); they are listed and removed here.
//
// Secrets at rest: a TOTP seed is sealed (AES-256-GCM) under a subkey of the master key, with the
// user id as associated data, so a sealed seed copied to another user's row does not open; a
// recovery code is stored as HMAC-SHA-256 under another subkey, over the user id and the code.
//
// Failed codes (TOTP or recovery) are counted per user, cluster-wide, in the store's failed sign-in
// counter under the key "mfa:" + user id (a login name never holds ':'), with their own threshold:
// guessing codes locks the second factor, not the password, and the other way round.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "mfa/passkey_store.hpp"
#include "mfa/recovery_code_store.hpp"
#include "mfa/totp_store.hpp"
#include "otp/otpauth.hpp"
#include "user/user_store.hpp"

namespace gatehouse::mfa {

/// Subkey purposes (keys::MasterKey::derive).
inline constexpr std::string_view kTotpSealPurpose = "totp-seed-sealing";
inline constexpr std::string_view kRecoveryCodeHashPurpose = "recovery-code-hash";

inline constexpr std::size_t kRecoveryCodeCount = 10;

struct CodeLockout {
  int threshold = 5;          // failed codes within `window` that lock the second factor
  UnixSeconds window = 900;
  UnixSeconds duration = 900;
};

struct FactorsDeps {
  TotpStore& totp;
  RecoveryCodeStore& recovery_codes;
  PasskeyStore& passkeys;
  user::UserStore& users;  // the failed-code counter
  const Clock& clock;
  KeyBytes seal_key;       // derive(kTotpSealPurpose)
  KeyBytes recovery_key;   // derive(kRecoveryCodeHashPurpose)
  std::string issuer;      // the otpauth issuer: what authenticator apps show above the code
  CodeLockout lockout;
  int window = 1;          // TOTP steps accepted either side of now
};

/// A TOTP enrolment to show once: the otpauth URI, its QR code, and the seed in base32 for typing.
struct TotpEnrolment {
  otp::OtpauthUri uri;
  std::string qr_svg;                    // carries the seed: shown once, never logged
  Secret<struct TotpTextTag> secret;     // base32, grouped by 4 for reading
};

enum class CodeCheck {
  kAccepted,
  kWrong,      // not a valid code now (counted)
  kReused,     // the right code, already used (a replay or a second tab; counted)
  kLocked,     // too many wrong codes: refused without checking
  kNoFactor,   // no confirmed TOTP (or nothing pending to confirm)
};

/// What a user has set up.
struct FactorSummary {
  bool totp = false;           // confirmed
  bool totp_pending = false;   // an enrolment not confirmed yet
  UnixSeconds totp_since = 0;
  std::size_t recovery_codes_left = 0;
  std::vector<Passkey> passkeys;
  /// Whether anything can be asked for as a second factor (a confirmed TOTP, a recovery code left,
  /// or an unflagged passkey).
  bool any() const;
};

/// Thread safety: every method is safe to call concurrently (the stores carry the state).
class Factors {
 public:
  explicit Factors(FactorsDeps deps);

  const FactorsDeps& deps() const { return deps_; }
  FactorSummary summary(const std::string& user_id) const;

  /// Starts (or restarts) a TOTP enrolment for `user` with a new 160-bit seed, pending until
  /// confirm_totp. @returns what to show, or a message when the user already has a confirmed TOTP.
  Result<TotpEnrolment, std::string> begin_totp(const user::User& user) const;
  /// What the pending enrolment shows again (the page re-rendered after a wrong code), if any.
  std::optional<TotpEnrolment> pending_totp(const user::User& user) const;
  /// Confirms the pending enrolment with a first valid code (that code is then used up).
  CodeCheck confirm_totp(const std::string& user_id, const OneTimeCode& code) const;
  /// Checks a code of the user's confirmed TOTP, accepting each time step once across the cluster.
  CodeCheck verify_totp(const std::string& user_id, const OneTimeCode& code) const;
  /// Stores `seed` (another system's export) as the user's confirmed TOTP, replacing any.
  void import_totp(const std::string& user_id, const TotpSeed& seed) const;
  /// @returns false if the user had none.
  bool remove_totp(const std::string& user_id) const;

  /// Replaces the user's recovery codes with kRecoveryCodeCount new ones. @returns them, to show once.
  std::vector<RecoveryCode> new_recovery_codes(const std::string& user_id) const;
  /// Uses one of the user's recovery codes (typed with or without dashes, any case).
  CodeCheck use_recovery_code(const std::string& user_id, const RecoveryCode& code) const;

  /// Renames one of the user's passkeys. @returns false unless the user has that credential.
  bool rename_passkey(const std::string& user_id, const std::string& credential_id, const std::string& name) const;
  /// Removes one of the user's passkeys. @returns false unless the user had that credential.
  bool remove_passkey(const std::string& user_id, const std::string& credential_id) const;

  /// Removes every factor of the user (TOTP, recovery codes, passkeys). @returns how many went.
  std::size_t reset(const std::string& user_id) const;

  /// Whether the user's second factor is locked after too many wrong codes.
  bool locked(const std::string& user_id) const;

 private:
  /// Counts an attempt at a code of `user_id`, then runs `check` unless the count is past the
  /// lockout threshold (or a lock holds): at most the threshold's number of codes are checked in a
  /// window, however many arrive at once.
  CodeCheck counted(const std::string& user_id, const std::function<CodeCheck()>& check) const;
  std::optional<TotpSeed> open(const TotpFactor& factor) const;
  TotpEnrolment show(const TotpSeed& seed, const user::User& user) const;
  std::string recovery_hash(const std::string& user_id, std::string_view normalised) const;

  FactorsDeps deps_;
};

/// The counter key of a user's failed codes.
std::string code_failure_key(std::string_view user_id);

}  // namespace gatehouse::mfa
