#pragma once
// The FactorsDeps a test builds over one store backend (anything with totp(), recovery_codes(),
// passkeys() and users(), such as the in-memory SQLite backend): fixed keys, the issuer
// "Example", and the lockout the test chooses.

#include <string>

#include "mfa/factors.hpp"

namespace gatehouse::mfa::testing {

template <class Backend>
FactorsDeps factors_deps(Backend& backend, const Clock& clock, CodeLockout lockout = {3, 900, 900}) {
  return FactorsDeps{.totp = backend.totp(),
                     .recovery_codes = backend.recovery_codes(),
                     .passkeys = backend.passkeys(),
                     .users = backend.users(),
                     .clock = clock,
                     .seal_key = KeyBytes(std::string(32, 's')),
                     .recovery_key = KeyBytes(std::string(32, 'r')),
                     .issuer = "Example",
                     .lockout = lockout};
}

}  // namespace gatehouse::mfa::testing
