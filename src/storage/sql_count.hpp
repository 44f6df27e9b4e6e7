#pragma once
// A size_t count (LIMIT, OFFSET) as the signed 64-bit integer both SQL dialects bind, saturating.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace gatehouse::storage {

inline std::int64_t to_sql_count(std::size_t n) {
  return static_cast<std::int64_t>(std::min<std::size_t>(n, std::numeric_limits<std::int64_t>::max()));
}

}  // namespace gatehouse::storage
