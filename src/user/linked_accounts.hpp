#pragma once
// Local accounts of users who sign in with an identity source (issue 16): made at the first
// sign-in, linked by the source's stable id (not the login name, not the DN, which change), and
// refreshed from the source at every sign-in, so that second factors, lockout, sessions, consent
// and audit work the same for every user.

#include <string>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "user/identity_source.hpp"
#include "user/user_store.hpp"

namespace gatehouse::user {

/// Copies what the source says into `u`: username, profile claims, email_verified, groups.
/// @returns whether anything changed.
bool apply_external(User& u, const ExternalAccount& a);

/// The account linked to `a` in `source`: found (by the link) and refreshed when the source says
/// something new, or made now (no password: the source checks it). Two first sign-ins at once on
/// two nodes make one account.
/// @returns the account as stored, or why there is none: a username or email that another
/// account holds (the message, for the log and the administrator).
Result<User, std::string> link_account(UserStore& users, const std::string& source, const ExternalAccount& a, UnixSeconds now);

}  // namespace gatehouse::user
