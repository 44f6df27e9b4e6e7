#pragma once
// How every gatehouse-flowgen mode writes its figures: fixed decimals and nearest-rank
// percentiles, so that bench/run reads one format.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace gatehouse::bench {

inline std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

/// Nearest-rank percentile of sorted values (0 when empty).
inline double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

}  // namespace gatehouse::bench
