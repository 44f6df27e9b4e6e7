#pragma once
// Port: WebAuthn ceremony challenges, held server-side so any node can finish a ceremony another
// node began. Each is single use and short-lived. The challenge value itself is the key: it comes
// back inside the signed clientDataJSON, so nothing else has to travel with the browser's answer.

#include <cstddef>
#include <optional>
#include <string>

#include "core/clock.hpp"

namespace gatehouse::mfa {

struct Challenge {
  std::string challenge;  // base64url (no padding) of 32 random bytes; unique
  std::string purpose;    // "register" | "authenticate"
  std::string user_id;    // register: whose credential; authenticate: the user of a second factor, "" for a passkey sign-in
  std::string context;    // what the ceremony belongs to: a sign-in transaction id, or "" (the account page)
  UnixSeconds expires_at = 0;
};

/// Thread safety: every method is safe to call concurrently.
class ChallengeStore {
 public:
  virtual ~ChallengeStore() = default;
  virtual void insert(const Challenge& challenge) = 0;
  /// Deletes the challenge and returns it if it existed and had not expired at `now`. @returns it
  /// to exactly one caller when several race (a replayed answer finds nothing).
  virtual std::optional<Challenge> consume(const std::string& challenge, UnixSeconds now) = 0;
  /// Deletes at most `limit` challenges that expired before `now`. @returns how many.
  virtual std::size_t purge_expired(UnixSeconds now, std::size_t limit) = 0;
};

}  // namespace gatehouse::mfa
