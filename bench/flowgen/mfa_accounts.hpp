#pragma once
// The multi-factor parts of gatehouse-flowgen (issue 12): the accounts file bench/run writes, the
// TOTP codes each account may still use, and the WebAuthn JSON a browser would post.
//
// TOTP (RFC 6238, 30 s steps, SHA-1, 6 digits: what `totp_secret` imports). The node accepts a code
// of step s while its clock is in steps s-1 .. s+1 (window ±1), and only if s is above the last
// step that account used (one code per step per account, across the cluster). So flowgen:
// - computes the code of the step it chooses itself (otp::hotp), never a code the node would refuse
//   (a wrong code counts towards the account's lockout);
// - uses each account's steps in increasing order, and lends an account to one virtual user at a
//   time (two flows of one account in flight could land out of order: the later step first makes
//   the earlier one "used");
// - at unix time `now` (step t) uses the lowest step in [t-1, t+1] above the account's last, but
//   t-1 only while more than kTotpMarginSeconds of step t are left: a code is posted within
//   milliseconds of being computed, and every code chosen stays valid for at least that margin
//   (t-1 until the end of t; t and t+1 for 30 s or more).
// A fresh account therefore gives 3 codes at once (2 in the last 5 s of a step) and one more per
// step after that: a run of L seconds at R flows/s needs about R x L / (floor(L / 30) + 2) accounts
// (bench/run sizes TOTP_USERS so, with room); when every idle account has used its codes, flowgen
// stops with an error rather than wait (waiting would lower the figure without saying why).
//
// Single-threaded: everything here runs on flowgen's one io_context thread.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/secret.hpp"
#include "webauthn/testing/soft_authenticator.hpp"

namespace gatehouse::bench {

inline constexpr std::int64_t kTotpPeriod = 30;
inline constexpr std::int64_t kTotpMarginSeconds = 5;

/// One line of the accounts file: "username [base32-totp-seed]".
struct BenchAccount {
  std::string username;
  std::optional<TotpSeed> totp_seed;
};

/// Reads the accounts file (one account per line, '#' comments and blank lines skipped).
/// @throws std::runtime_error naming the line when a line is malformed, a seed is not base32, or
/// `need_seed` and a line has none.
std::vector<BenchAccount> read_accounts(const std::string& path, bool need_seed);

/// The step an account whose last used step is `last_used` (nullopt: none) may use at `now`, or
/// nullopt when it has used every step it may use now (see the header comment).
std::optional<std::int64_t> next_totp_step(std::optional<std::int64_t> last_used, std::int64_t now);

/// The accounts with a TOTP seed, lent to one virtual user at a time, least recently used first.
class TotpPool {
 public:
  explicit TotpPool(std::vector<BenchAccount> accounts);
  /// An idle account that has a code to use at `now`, taken out of rotation until release(); nullopt
  /// when no idle account has one (the pool is too small for the rate).
  std::optional<std::size_t> acquire(std::int64_t now);
  void release(std::size_t account);
  /// The code of the next step `account` may use at `now`, recorded as used. An account acquired at
  /// an earlier `now` always has one. @throws std::logic_error if not.
  OneTimeCode next_code(std::size_t account, std::int64_t now);
  const std::string& username(std::size_t account) const { return accounts_.at(account).username; }
  std::size_t size() const { return accounts_.size(); }

 private:
  struct Entry {
    std::string username;
    TotpSeed seed;
    std::optional<std::int64_t> last_used;
  };
  std::vector<Entry> accounts_;
  std::deque<std::size_t> idle_;
};

/// Returns an account to the pool when a flow ends, however it ends.
class TotpLease {
 public:
  TotpLease(TotpPool& pool, std::size_t account) : pool_(&pool), account_(account) {}
  TotpLease(const TotpLease&) = delete;
  TotpLease& operator=(const TotpLease&) = delete;
  ~TotpLease() { pool_->release(account_); }
  std::size_t account() const { return account_; }

 private:
  TotpPool* pool_;
  std::size_t account_;
};

/// WebAuthn L3 RegistrationResponseJSON of a soft credential's registration (binary base64url).
std::string registration_json(const webauthn::testing::SoftCredential& credential,
                              const webauthn::testing::RegistrationResponse& response);
/// WebAuthn L3 AuthenticationResponseJSON, with `user_handle_b64url` (the registration options'
/// user.id, as the authenticator stored it with a discoverable credential).
std::string assertion_json(const webauthn::testing::SoftCredential& credential,
                           const webauthn::testing::AssertionResponse& response, std::string_view user_handle_b64url);

}  // namespace gatehouse::bench
