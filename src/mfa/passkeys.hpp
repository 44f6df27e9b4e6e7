#pragma once
// The WebAuthn ceremonies over the ports (issue 12 §2): registration and authentication options
// (each with a challenge stored server-side, single use, so any node finishes what another began),
// and the finishing of both from the browser's JSON answer (WebAuthn L3 RegistrationResponseJSON /
// AuthenticationResponseJSON, binary fields base64url). What is checked here, besides the
// webauthn::verify_* checks: the challenge is one this installation issued, for this purpose, this
// context (a sign-in transaction id, or "" for the account page) and this user, consumed exactly
// once; a credential id is registered once; at sign-in the credential exists, is not flagged,
// belongs to the transaction's user (second factor) or to the user its userHandle names
// (passwordless); a counter that did not increase flags the credential (possibly cloned) and the
// sign-in is refused; the new counter is stored with a conditional write.
//
// Thread safety: every method is safe to call concurrently (the stores carry the state).

#include <cstddef>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "mfa/challenge_store.hpp"
#include "mfa/passkey_store.hpp"
#include "user/user.hpp"
#include "webauthn/ceremony.hpp"

namespace gatehouse::mfa {

/// The largest `credential` answer accepted, before it is parsed.
inline constexpr std::size_t kMaxCredentialJsonSize = 16 * 1024;

struct PasskeysDeps {
  PasskeyStore& passkeys;
  ChallengeStore& challenges;
  const Clock& clock;
  webauthn::RelyingParty rp;
  std::string rp_name;                          // what the browser shows ("Gatehouse", the host)
  std::string user_verification = "preferred";  // "preferred" | "required" | "discouraged"
  UnixSeconds challenge_ttl = 300;
};

enum class PasskeyErrorCode {
  kMalformed,          // the answer is not the JSON of a WebAuthn response (or too large)
  kUnknownChallenge,   // no such challenge: never issued, expired, or used already (a replay)
  kWrongChallenge,     // a challenge of another purpose, sign-in, or user
  kCeremony,           // a webauthn::verify_* check failed (see `ceremony`)
  kDuplicate,          // registration: this credential id is registered already
  kUnknownCredential,  // authentication: no such passkey (or not the expected user's)
  kUserHandleMismatch, // passwordless: userHandle is not the passkey's user
  kFlagged,            // the passkey was blocked (its counter went backwards once)
  kCloned,             // its counter did not increase now: blocked from now on
  kRace,               // another sign-in with the same counter won the conditional write
};

struct PasskeyError {
  PasskeyErrorCode code;
  std::string message;  // safe to show on a page
  std::optional<webauthn::CeremonyErrorCode> ceremony = std::nullopt;
  std::string user_id = {};  // the passkey's user, once the passkey was found (for the audit trail)
};

/// A finished authentication.
struct PasskeySignIn {
  Passkey passkey;  // as stored (before this use)
  bool user_verified = false;
};

class Passkeys {
 public:
  explicit Passkeys(PasskeysDeps deps) : deps_(std::move(deps)) {}
  const PasskeysDeps& deps() const { return deps_; }

  /// Registration options for `user` (the JSON the browser's create() takes, L3 JSON form); stores
  /// a "register" challenge for `context`.
  std::string registration_options(const user::User& user, std::string_view context) const;
  /// Finishes a registration of `user_id` from the browser's JSON answer. Nothing is stored unless
  /// every check passes. @returns the stored passkey (named `name`, "Passkey" when empty).
  Result<Passkey, PasskeyError> finish_registration(const std::string& user_id, std::string_view context,
                                                    std::string_view credential_json, std::string name) const;
  /// Authentication options (the JSON get() takes); allowCredentials lists the unflagged passkeys
  /// of `user_id`, or is [] when `user_id` is "" (a passkey sign-in: discoverable credentials).
  /// Stores an "authenticate" challenge for `context` and `user_id`.
  std::string authentication_options(const std::string& user_id, std::string_view context) const;
  /// Finishes an authentication from the browser's JSON answer, for the user `user_id` (a second
  /// factor) or anybody (`user_id` ""; the user is the passkey's, whose userHandle must match).
  Result<PasskeySignIn, PasskeyError> finish_authentication(const std::string& user_id, std::string_view context,
                                                            std::string_view credential_json) const;

 private:
  std::string new_challenge(std::string_view purpose, const std::string& user_id, std::string_view context) const;
  Result<Challenge, PasskeyError> take_challenge(std::string_view client_data_json, std::string_view purpose,
                                                 const std::string& user_id, std::string_view context) const;
  PasskeysDeps deps_;
};

}  // namespace gatehouse::mfa
