// Compiled by the test suite, never linked into anything: it must FAIL to compile in each of the
// GATEHOUSE_SECRET_MISUSE variants (1: spdlog, 2: fmt::format, 3: an ostream), and compile without
// one, which shows the failure comes from the misuse and nothing else (tests core.secret_*).

#include <iostream>
#include <string>

#include <spdlog/spdlog.h>

#include "core/secret.hpp"

int main() {
  const gatehouse::ClientSecret secret(std::string("s3cret"));
#if GATEHOUSE_SECRET_MISUSE == 1
  spdlog::info("presented {}", secret);
#elif GATEHOUSE_SECRET_MISUSE == 2
  auto line = fmt::format("{}", secret);
  (void)line;
#elif GATEHOUSE_SECRET_MISUSE == 3
  std::cout << secret;
#endif
  return secret.reveal().empty() ? 1 : 0;
}
