#include "user/linked_accounts.hpp"

#include "jose/openssl/crypto.hpp"
#include "user/profile_claims.hpp"

namespace gatehouse::user {
namespace {

template <class T>
bool assign(T& field, const T& value) {
  if (field == value) return false;
  field = value;
  return true;
}

std::string claim(const ExternalAccount& a, const char* name) {
  auto it = a.claims.find(name);
  return it == a.claims.end() ? std::string() : it->second;
}

std::string conflict(const ExternalAccount& a, UserWriteResult r, const std::string& source) {
  const bool name = r == UserWriteResult::kUsernameTaken;
  return "the " + std::string(name ? "username " : "email ") + (name ? a.username : claim(a, "email")) + " of " + source +
         "'s entry " + a.external_id + " belongs to another account; rename or remove that account";
}

}  // namespace

bool apply_external(User& u, const ExternalAccount& a) {
  bool changed = assign(u.username, a.username);
  changed |= assign(u.email, claim(a, "email"));
  changed |= assign(u.email_verified, a.email_verified && !u.email.empty());
  changed |= assign(u.phone_number, claim(a, "phone_number"));
  for (const auto& c : kProfileClaims) {
    if (c.claim == "preferred_username") continue;  // the username
    changed |= assign(u.*c.member, claim(a, std::string(c.claim).c_str()));
  }
  changed |= assign(u.groups, a.groups);
  return changed;
}

Result<User, std::string> link_account(UserStore& users, const std::string& source, const ExternalAccount& a, UnixSeconds now) {
  // Twice at most: an insert that lost the race to another node's (refused for the link, or
  // first for the username or email the other account took) finds that node's account next time.
  UserWriteResult taken = UserWriteResult::kOk;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (auto u = users.find_linked(source, a.external_id)) {
      if (!apply_external(*u, a)) return *u;
      u->updated_at = now;
      const auto r = users.refresh_linked(*u);
      if (r == UserWriteResult::kOk) {
        u->version += 1;
        return *u;
      }
      if (r == UserWriteResult::kNotFound) continue;  // removed meanwhile
      return unexpected(conflict(a, r, source));
    }
    User u;
    u.id = jose::random_token(16);
    apply_external(u, a);
    u.source = source;
    u.external_id = a.external_id;
    u.created_at = now;
    u.updated_at = now;
    const auto r = users.insert(u);
    if (r == UserWriteResult::kOk) return u;
    taken = r;
  }
  if (taken == UserWriteResult::kUsernameTaken || taken == UserWriteResult::kEmailTaken) return unexpected(conflict(a, taken, source));
  return unexpected("the account linked to " + source + "'s entry " + a.external_id + " changed while it was read; try again");
}

}  // namespace gatehouse::user
