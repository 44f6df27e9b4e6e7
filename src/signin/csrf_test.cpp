#include "signin/csrf.hpp"

#include <set>

#include <gtest/gtest.h>

namespace gatehouse::signin {
namespace {

const CsrfKey kKey{std::string(32, 'k')};

TEST(CsrfToken, AnIssuedTokenIsValidForItsFormOnly) {
  const auto token = issue_csrf_token(kKey, kLoginCsrf);
  EXPECT_TRUE(valid_csrf_token(kKey, kLoginCsrf, token));
  EXPECT_FALSE(valid_csrf_token(kKey, kLogoutCsrf, token));
  EXPECT_FALSE(valid_csrf_token(CsrfKey{std::string(32, 'x')}, kLoginCsrf, token));  // another cluster's key
}

TEST(CsrfToken, TokensAreFreshAndCookieSafe) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const auto token = issue_csrf_token(kKey, kLoginCsrf);
    EXPECT_EQ(token.size(), 76u);
    EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."), std::string::npos);
    EXPECT_TRUE(seen.insert(token).second);
  }
}

TEST(CsrfToken, AValueABrowserChoseIsRefused) {
  const auto token = issue_csrf_token(kKey, kLoginCsrf);
  for (const std::string& chosen : {std::string(), std::string(43, 'a'), std::string(76, 'a'),
                                    token.substr(0, 32) + "." + std::string(43, 'A'),  // a nonce with a made-up MAC
                                    token.substr(0, 75), token + "x",
                                    // the nonce changed in its first character (never to itself)
                                    (token[0] == 'x' ? std::string("y") : std::string("x")) + token.substr(1),
                                    std::string(token).replace(32, 1, "_")}) {
    EXPECT_FALSE(valid_csrf_token(kKey, kLoginCsrf, chosen)) << chosen;
  }
}

}  // namespace
}  // namespace gatehouse::signin
