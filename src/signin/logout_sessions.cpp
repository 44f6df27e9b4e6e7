#include "signin/logout_sessions.hpp"

#include <limits>

namespace gatehouse::signin {

std::optional<session::SsoSession> LogoutSessions::end(const std::string& sid, std::string_view origin) {
  auto taken = inner_.take_by_sid(sid);
  if (!taken) return std::nullopt;
  for (auto* listener : listeners_) listener->session_ended(*taken, origin);
  return taken;
}

std::size_t LogoutSessions::revoke_user(const std::string& user_id) {
  constexpr std::size_t kMostSessions = 1000;
  std::size_t ended = 0;
  // Every session, idle or not (now 0, an idle timeout that nothing exceeds).
  for (const auto& s : inner_.list_user(user_id, 0, std::numeric_limits<UnixSeconds>::max() / 4, kMostSessions))
    if (end(s.sid, "")) ++ended;
  return ended + inner_.revoke_user(user_id);
}

}  // namespace gatehouse::signin
