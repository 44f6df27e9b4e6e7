#pragma once
// What a grant remembers of the sign-in that started it, carried unchanged from the authorization
// code to its first refresh token and from each refresh token to its successor: the ID tokens
// issued from any of them report the same sign-in (OIDC Core §2: sid, auth_time, amr), and a sign-
// out everywhere after auth_time revokes them all.

#include <string>

#include "core/clock.hpp"

namespace gatehouse::token {

struct SignInFacts {
  std::string sid;            // the SSO session the user signed in with
  UnixSeconds auth_time = 0;  // when the user last authenticated
  std::string amr;            // space-separated RFC 8176 methods, e.g. "pwd"
};

}  // namespace gatehouse::token
