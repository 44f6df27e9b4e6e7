#include "signin/sign_out.hpp"

#include "core/log.hpp"

namespace gatehouse::signin {

std::optional<SignedOut> sign_out_everywhere(const SignOutStores& stores, const std::string& user_id, UnixSeconds now) {
  if (!stores.users.revoke_tokens_before(user_id, now)) return std::nullopt;
  SignedOut out;
  if (stores.sessions != nullptr) out.sessions = stores.sessions->revoke_user(user_id);
  if (stores.grants != nullptr) out.refresh_tokens = stores.grants->revoke_user_grants(user_id, now);
  spdlog::info("user {} signed out everywhere: {} sessions ended, {} refresh tokens revoked", user_id, out.sessions,
               out.refresh_tokens);
  return out;
}

}  // namespace gatehouse::signin
