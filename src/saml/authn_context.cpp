#include "saml/authn_context.hpp"

#include <algorithm>

#include "saml/protocol.hpp"

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

std::string stated_class(const std::vector<std::string>& classes, std::string_view comparison, int reached) {
  const std::string own(reached >= 2 ? kClassRefedsMfa : kClassPasswordProtectedTransport);
  if (comparison == "exact" || comparison == "maximum") {
    // A class asked for, of the level reached if one is, else the strongest below it.
    for (int level = reached; level >= 1; --level)
      for (const auto& c : classes)
        if (class_level(c) == level) return c;
    return own;
  }
  // minimum and better: the strongest asked for that the sign-in reached, else what it reached.
  for (const auto& c : classes)
    if (class_level(c) == reached) return c;
  return own;
}

}  // namespace gatehouse::saml
