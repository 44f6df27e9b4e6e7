#include "signin/assurance.hpp"

namespace gatehouse::signin {

std::optional<MfaPolicy> parse_mfa_policy(std::string_view text) {
  if (text == "off") return MfaPolicy::kOff;
  if (text == "optional") return MfaPolicy::kOptional;
  if (text == "required") return MfaPolicy::kRequired;
  return std::nullopt;
}

std::string_view to_string(MfaPolicy policy) {
  switch (policy) {
    case MfaPolicy::kOff: return "off";
    case MfaPolicy::kOptional: return "optional";
    case MfaPolicy::kRequired: return "required";
  }
  return "optional";
}

bool has_word(std::string_view words, std::string_view word) {
  while (!words.empty()) {
    const auto end = words.find(' ');
    if (words.substr(0, end) == word) return true;
    if (end == std::string_view::npos) break;
    words.remove_prefix(end + 1);
  }
  return false;
}

std::string add_amr(std::string_view amr, std::initializer_list<std::string_view> more) {
  std::string out(amr);
  for (auto m : more) {
    if (has_word(out, m)) continue;
    if (!out.empty()) out.push_back(' ');
    out.append(m);
  }
  return out;
}

std::string_view acr_for(std::string_view amr) { return has_word(amr, kAmrMfa) ? kAcrMultiFactor : kAcrSingleFactor; }

bool requires_mfa(MfaPolicy policy, std::string_view requested_acr) {
  return policy == MfaPolicy::kRequired || has_word(requested_acr, kAcrMultiFactor);
}

}  // namespace gatehouse::signin
