#pragma once
// The collected client data (WebAuthn Level 2 §5.8.1) checked as §7.1 steps 5-10 and §7.2 steps
// 9-14 say: JSON, the exact type, the challenge issued (compared in constant time), an exact
// origin of the relying party, not cross-origin, no token binding. Used by ceremony.cpp.

#include <string_view>

#include "core/result.hpp"
#include "webauthn/ceremony.hpp"

namespace gatehouse::webauthn {

/// Longer clientDataJSON is refused before it is parsed (browsers send a few hundred bytes).
inline constexpr std::size_t kMaxClientDataJsonSize = 16 * 1024;

enum class ClientDataType { kCreate, kGet };  // "webauthn.create", "webauthn.get"

/// @returns nothing when every check passes, else the first one that failed.
Result<void, CeremonyError> check_client_data(const RelyingParty& rp, std::string_view client_data_json,
                                              ClientDataType type, std::string_view expected_challenge);

}  // namespace gatehouse::webauthn
