#include "saml/authn_context.hpp"

#include <algorithm>

#include "saml/protocol.hpp"
#include "signin/assurance.hpp"

namespace gatehouse::saml {

int class_level(std::string_view c) {
  if (c == kClassRefedsMfa) return 2;
  if (c == kClassRefedsSfa || c == kClassPasswordProtectedTransport || c == kClassPassword || c == kClassUnspecified)
    return 1;
  return 0;
}

std::optional<int> required_level(const std::vector<std::string>& classes, std::string_view comparison) {
  if (classes.empty()) return 1;
  int lowest = 3;
  int highest = 0;
  for (const auto& c : classes) {
    if (const int level = class_level(c); level > 0) {
      lowest = std::min(lowest, level);
      highest = std::max(highest, level);
    }
  }
  if (comparison == "maximum") return lowest <= 2 ? std::optional<int>(1) : std::nullopt;
  if (highest == 0) return std::nullopt;  // nothing asked that Gatehouse can state
  // exact: any one of the classes (§3.3.2.2.1), the weakest suffices; minimum: at least the
  // weakest; better: stronger than every class asked.
  if (comparison == "better") return highest < 2 ? std::optional<int>(highest + 1) : std::nullopt;
  return lowest;
}

int level_of(std::string_view amr) { return signin::has_word(amr, signin::kAmrMfa) ? 2 : 1; }

bool class_true_for(std::string_view c, std::string_view amr) {
  if (c == kClassPasswordProtectedTransport || c == kClassPassword) return signin::has_word(amr, signin::kAmrPassword);
  const int level = class_level(c);
  return level > 0 && level <= level_of(amr);
}

std::optional<std::string> stated_class(const std::vector<std::string>& classes, std::string_view comparison,
                                        std::string_view amr) {
  const int reached = level_of(amr);
  const bool password = signin::has_word(amr, signin::kAmrPassword);
  const std::string own(reached >= 2 ? kClassRefedsMfa : password ? kClassPasswordProtectedTransport : kClassRefedsSfa);
  if (classes.empty()) return own;
  if (comparison == "exact" || comparison == "maximum") {
    // A class asked for that is true of the sign-in, of the level reached if one is, else the
    // strongest below it.
    for (int level = reached; level >= 1; --level)
      for (const auto& c : classes)
        if (class_level(c) == level && class_true_for(c, amr)) return c;
    if (comparison == "exact") return std::nullopt;
    // maximum: nothing asked is true; single factor is, and is at most what was asked.
    return password ? std::string(kClassPasswordProtectedTransport) : std::string(kClassRefedsSfa);
  }
  // minimum and better: the strongest asked for that the sign-in reached, else what it reached.
  for (const auto& c : classes)
    if (class_level(c) == reached && class_true_for(c, amr)) return c;
  return own;
}

}  // namespace gatehouse::saml
