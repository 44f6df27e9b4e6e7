#pragma once
// Port: each user's TOTP factor (RFC 6238). The seed is stored sealed under a subkey of the master
// key (mfa::Factors seals and opens it; the store never sees it in the clear). A factor is pending
// from the start of an enrolment until a first valid code confirms it; only a confirmed factor
// signs anyone in.
//
// Each code is accepted once across the cluster: the last time step used is stored, and a code is
// accepted only by the one conditional write that moves it forward (use_step).

#include <cstdint>
#include <optional>
#include <string>

#include "core/clock.hpp"

namespace gatehouse::mfa {

struct TotpFactor {
  std::string user_id;
  std::string sealed_seed;      // jose::aead_seal(subkey, seed, aad = "totp:" + user_id); opaque to the store
  bool confirmed = false;
  std::int64_t last_step = -1;  // the last time step accepted (T of RFC 6238); -1: none yet
  UnixSeconds created_at = 0;
  UnixSeconds confirmed_at = 0;  // 0 while pending
};

/// Thread safety: every method is safe to call concurrently; every write is one conditional
/// statement, so concurrent callers on any nodes see each change happen once.
class TotpStore {
 public:
  virtual ~TotpStore() = default;
  /// Stores `pending` (confirmed false, last_step -1) as the user's factor, replacing a pending one.
  /// @returns false, writing nothing, when the user has a confirmed factor (remove it first).
  virtual bool begin(const TotpFactor& pending) = 0;
  /// Stores `factor` as the user's, confirmed, replacing whatever they had (an administrator's import
  /// of a seed exported by another system).
  virtual void replace(const TotpFactor& factor) = 0;
  virtual std::optional<TotpFactor> find(const std::string& user_id) = 0;
  /// Confirms the pending factor whose sealed seed is `sealed_seed` (the one the page showed: a
  /// newer enrolment in another tab makes this one fail), recording `step` as used.
  /// @returns true for exactly one caller when several race.
  virtual bool confirm(const std::string& user_id, const std::string& sealed_seed, std::int64_t step,
                       UnixSeconds now) = 0;
  /// Records `step` as used if the user's factor is confirmed and its last step is lower.
  /// @returns true for exactly one caller per step when several race (the same code posted to two
  /// nodes at once succeeds once), false for a step at or below the last one used.
  virtual bool use_step(const std::string& user_id, std::int64_t step) = 0;
  /// Deletes the user's factor, pending or confirmed. @returns false if there was none.
  virtual bool remove(const std::string& user_id) = 0;
};

}  // namespace gatehouse::mfa
