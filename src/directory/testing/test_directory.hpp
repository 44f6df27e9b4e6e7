#pragma once
// What the directory tests share: the OpenLDAP server scripts/test starts (scripts/lib/slapd.sh:
// GATEHOUSE_TEST_LDAP_URL, GATEHOUSE_TEST_LDAPS_URL, GATEHOUSE_TEST_LDAP_CA; required when
// GATEHOUSE_TEST_LDAP_REQUIRED=1), and a stopwatch for the tests that bound how long a call waits.

#include <chrono>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

namespace gatehouse::directory::testing {

inline const char* env(const char* name) { return std::getenv(name); }

inline bool ldap_required() {
  const char* r = env("GATEHOUSE_TEST_LDAP_REQUIRED");
  return r != nullptr && std::string(r) == "1";
}

/// How long `f` took.
template <class F>
std::chrono::milliseconds timed(F f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
}

}  // namespace gatehouse::directory::testing

/// Skips the test without a test server, or fails it when the suite requires one.
#define REQUIRE_LDAP()                                                                                                   \
  do {                                                                                                                   \
    if (::gatehouse::directory::testing::env("GATEHOUSE_TEST_LDAP_URL") == nullptr) {                                    \
      if (::gatehouse::directory::testing::ldap_required()) FAIL() << "GATEHOUSE_TEST_LDAP_URL is not set (scripts/test starts slapd)"; \
      GTEST_SKIP() << "no OpenLDAP server (GATEHOUSE_TEST_LDAP_URL; scripts/lib/slapd.sh slapd_tmp_start)";             \
    }                                                                                                                    \
  } while (false)
