// libFuzzer target for kickstart files (src/app/kickstart.cpp, app::parse_kickstart): the API
// keys, applications and users a fresh installation starts with, validated as a whole. Any input
// must give a plan or a message naming the entry at fault, never a crash, a sanitizer report, a
// leak or a hang; and a plan holds what the file's rules promise. Built and run by scripts/fuzz.

#include <cstddef>
#include <cstdint>
#include <string>

#include "app/kickstart.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gatehouse;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto plan = app::parse_kickstart(text, app::KickstartRules{});
  if (!plan) {
    if (plan.error().empty()) __builtin_trap();
    return 0;
  }
  for (const auto& k : plan->api_keys)
    if (k.key.reveal().size() < admin::kMinApiKeyLength) __builtin_trap();
  for (const auto& draft : plan->applications) {
    // Applying twice changes nothing only because every application names its client_id, and a
    // confidential one its secret.
    if (draft.client.client_id.empty()) __builtin_trap();
    if (client::uses_secret(draft.client) && !draft.secret) __builtin_trap();
  }
  for (const auto& draft : plan->users)
    if (draft.user.username.empty()) __builtin_trap();
  return 0;
}
