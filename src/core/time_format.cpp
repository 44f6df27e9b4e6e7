#include "core/time_format.hpp"

#include <ctime>

namespace gatehouse {

std::string iso8601(UnixSeconds t) {
  const std::time_t time = static_cast<std::time_t>(t);
  std::tm tm{};
  if (gmtime_r(&time, &tm) == nullptr) tm = std::tm{.tm_mday = 1, .tm_year = 70};
  char buffer[32];
  if (std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) return "1970-01-01T00:00:00Z";
  return buffer;
}

}  // namespace gatehouse
