// The configuration turned into domain options: here, the second factors' issuer.
#include "app/options.hpp"

#include <gtest/gtest.h>

namespace gatehouse::app {
namespace {

TEST(MfaIssuer, IsTheConfiguredNameOrElseTheHostOfThePublicUrl) {
  config::Config c;
  c.server.public_url = "https://login.example.com:8443/realm";
  EXPECT_EQ(mfa_issuer(c), "login.example.com");
  c.mfa.issuer = "Example Sign-in";
  EXPECT_EQ(mfa_issuer(c), "Example Sign-in");
  c.mfa.issuer.clear();
  // An otpauth issuer may not hold ':'.
  c.server.public_url = "http://[::1]:9011";
  EXPECT_EQ(mfa_issuer(c), "Gatehouse");
}

}  // namespace
}  // namespace gatehouse::app
